using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Dragonflow.Server.Api;

/// <summary>
/// The five operations of one Neutron collection (list, show, create, update, delete) plus its
/// tags sub-resource, mapped onto <c>/v2.0/{collection}</c>. Show, list and tags are the same
/// for every resource; create, update and delete are the resource's own.
/// </summary>
abstract class ResourceEndpoints<T>(CorePlugin plugin) where T : NeutronResource, new()
{
    protected CorePlugin Plugin { get; } = plugin;

    public abstract string Collection { get; }
    public abstract string Member { get; }

    /// <summary>The collection's key in bodies, e.g. security_groups for /v2.0/security-groups.</summary>
    string BodyCollection => Collection.Replace('-', '_');

    /// <summary>Neutron's name of the resource in errors, e.g. "Network" → NetworkNotFound.</summary>
    protected abstract string Noun { get; }

    public abstract JsonObject View(T item);

    protected abstract Task<T> CreateAsync(Caller caller, Input body);
    protected abstract Task<T> UpdateAsync(Caller caller, T current, Input body);
    protected abstract Task DeleteAsync(Caller caller, T current);

    /// <summary>
    /// Takes back an item of a bulk create that failed later on: deleted as Neutron's emulated bulk
    /// does, if still there, now or once the NB DB answers again.
    /// </summary>
    protected virtual Task UndoCreatedAsync(Caller caller, T created) => Plugin.Reservations.Undo.RunAsync(async () =>
    {
        if (await Plugin.Nb.TryGetAsync<T>(created.Id) is { } current)
            await DeleteAsync(caller, current);
    });

    public async Task<T> GetAsync(string id) =>
        await Plugin.Nb.TryGetAsync<T>(id) ?? throw NeutronErrors.NotFound(Noun, id);

    /// <summary>Neutron's rule name for an action on this resource, e.g. update_network.</summary>
    protected string Rule(string verb) => $"{verb}_{Member}";

    /// <summary>
    /// The resource as the caller may see it (404 otherwise); with <paramref name="rule"/>
    /// (update_X, delete_X, add_router_interface...) the caller must also pass that (403 otherwise).
    /// </summary>
    public async Task<T> GetAsync(Caller caller, string id, string? rule = null)
    {
        var item = await Access.FindAsync<T>(Plugin, caller, id, Noun);
        if (rule is not null)
            Access.Require(await MayChangeAsync(caller, item, rule), rule);
        return item;
    }

    /// <summary>A change rule (update_X, delete_X...): by default Neutron's ADMIN_OR_PROJECT_MEMBER.</summary>
    protected virtual Task<bool> MayChangeAsync(Caller caller, T item, string rule) => Task.FromResult(caller.Writes(item.Topic));

    /// <summary>Which rendered items a non-admin lists: by default those its project's reader may read.</summary>
    protected virtual Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller) =>
        Task.FromResult<Func<JsonObject, bool>>(tree => caller.Reads((string?)tree["project_id"]));

    /// <summary>
    /// How the caller sees a rendered item: null when as rendered (the admin's view), else a copy
    /// without the attributes its policy hides (get_X:attribute) and with per-caller values.
    /// </summary>
    protected virtual Task<Func<JsonObject, JsonObject?>?> ViewerAsync(Caller caller) =>
        Task.FromResult(caller.IsAdmin || AdminOnlyAttributes.Length == 0 ? null : CallerViews.Hiding(AdminOnlyAttributes));

    /// <summary>The attributes only admins see (Neutron's get_X:attribute = admin).</summary>
    protected virtual string[] AdminOnlyAttributes => [];

    /// <summary>The item's view as the caller sees it.</summary>
    public async Task<JsonObject> ViewForAsync(Caller caller, T item)
    {
        var tree = View(item);
        return await ViewerAsync(caller) is { } viewer && viewer(tree) is { } seen ? seen : tree;
    }

    /// <summary>
    /// The stored entries a filtered list needs, when an index can narrow them down; null means
    /// "read the whole table". The list still applies every filter to what this returns.
    /// </summary>
    protected virtual Task<IReadOnlyList<Dragonflow.NorthDb.Drivers.NbEntry>?> IndexedEntriesAsync(IQueryCollection query) =>
        Task.FromResult<IReadOnlyList<Dragonflow.NorthDb.Drivers.NbEntry>?>(null);

    /// <summary>Work a list needs first (the default security group of the caller's project).</summary>
    protected virtual Task BeforeListAsync(Caller caller) => Task.CompletedTask;

    /// <summary>
    /// Filters Neutron accepts on attributes it does not show, each with what an item must satisfy
    /// for the values asked; none by default.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, Func<Caller, StringValues, Task<Func<JsonObject, bool>>>> HiddenFilters { get; } =
        new Dictionary<string, Func<Caller, StringValues, Task<Func<JsonObject, bool>>>>();

    /// <summary>The resource's name in the quotas (network, port...); null when it has no quota.</summary>
    protected virtual string? QuotaResource => null;

    /// <summary>409 OverQuota when the items would take their projects past the resource's limit.</summary>
    Task RequireQuotaAsync(Caller caller, IReadOnlyList<JsonObject> items) => QuotaResource is { } resource
        ? Plugin.Quotas.RequireRoomAsync(resource, items.Select(i => Quotas.QuotaBook.ProjectOf(i, caller.ProjectId)))
        : Task.CompletedTask;

    /// <summary>The view of an empty item: the attributes a list may filter and sort on.</summary>
    JsonObject? _sample;

    ViewCache<T>? _views;
    ViewCache<T>? _nonAdminViews;

    /// <summary>Whether a non-admin's view differs by more than the admin-only attributes (a network's shared).</summary>
    protected virtual bool ViewDependsOnCaller => false;

    /// <summary>
    /// The ids a log line about <paramref name="item"/> carries as structured properties (a log
    /// scope): its own id under e.g. PortId, plus the ids of the objects it belongs to.
    /// </summary>
    protected virtual IEnumerable<KeyValuePair<string, object?>> LogIds(T item) =>
        [new(IdProperty, item.Id)];

    /// <summary>network → NetworkId, security_group → SecurityGroupId.</summary>
    protected string IdProperty =>
        string.Concat(Member.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Id";

    /// <summary>One information line per successful write, e.g. "port 6f1… created (project p1)".</summary>
    protected void LogWrite(T item, string what, Caller caller)
    {
        if (!Plugin.Log.IsEnabled(LogLevel.Information)) return;
        using (Plugin.Log.BeginScope(new Dragonflow.NorthDb.Observability.LogIds(LogIds(item).Append(new("ProjectId", item.Topic ?? caller.ProjectId)))))
            Plugin.Log.LogInformation("{Resource} {Id} {Action}", Member, item.Id, what);
    }

    public virtual void Map(IEndpointRouteBuilder app, string defaultProject)
    {
        var path = $"/v2.0/{Collection}";
        app.MapGet(path, async (HttpContext ctx) =>
        {
            var query = new ListQuery(ctx.Request, Noun, _sample ??= View(new T()), HiddenFilters.Keys.ToList());
            var caller = Caller.Of(ctx, defaultProject);
            await BeforeListAsync(caller);
            var visible = caller.IsAdmin ? null : await ListFilterAsync(caller);
            foreach (var (name, filter) in HiddenFilters)
            {
                if (!ctx.Request.Query.TryGetValue(name, out var values))
                    continue;
                var passes = await filter(caller, values);
                var before = visible;
                visible = before is null ? passes : tree => before(tree) && passes(tree);
            }
            // Views that only leave out the admin-only attributes are the same for every
            // non-admin, so they are cached like the admin's; others are adjusted per request.
            var hidingOnly = !caller.IsAdmin && !ViewDependsOnCaller && AdminOnlyAttributes.Length > 0;
            var viewer = hidingOnly ? null : await ViewerAsync(caller);
            var cache = hidingOnly
                ? (_nonAdminViews ??= new ViewCache<T>(item => CallerViews.Without(View(item), AdminOnlyAttributes)))
                : (_views ??= new ViewCache<T>(View));
            var indexed = await IndexedEntriesAsync(ctx.Request.Query);
            var entries = indexed ?? await Plugin.Nb.Driver.ListAsync(NbTables.Of<T>().Name);
            var views = entries.Select(cache.Get).OfType<RenderedView>();
            if (visible is not null)
                views = views.Where(v => visible(v.Tree));
            if (viewer is not null)
                views = views.Select(v => viewer(v.Tree) is { } seen ? CallerViews.Render(seen) : v);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(Math.Max(256, entries.Count * 512));
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, ApiJson.WriterOptions))
                query.Write(writer, BodyCollection, views);
            if (indexed is null)
                cache.Prune(entries);
            return Results.Bytes(buffer.WrittenMemory, "application/json");
        });
        app.MapGet(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            var item = await GetAsync(caller, id);
            return Results.Json(new JsonObject { [Member] = ListQuery.Select(await ViewForAsync(caller, item), ListQuery.Fields(ctx.Request.Query)) });
        });
        app.MapPost(path, async (HttpContext ctx) =>
        {
            var root = await RequestBody.ReadObjectAsync(ctx.Request);
            var caller = Caller.Of(ctx, defaultProject);
            if (BulkBody.Items(root, BodyCollection, Member) is { } items)
            {
                await RequireQuotaAsync(caller, items);
                var all = await BulkCreate.RunAsync(items, item => CreateAsync(caller, new Input(item)), item => UndoCreatedAsync(caller, item), Plugin.Log);
                var created = new JsonArray();
                foreach (var item in all)
                {
                    LogWrite(item, "created", caller);
                    created.Add(await ViewForAsync(caller, item));
                }
                return Results.Json(new JsonObject { [BodyCollection] = created }, statusCode: 201);
            }
            var single = RequestBody.ResourceOf(root, Member);
            await RequireQuotaAsync(caller, [single]);
            var one = await CreateAsync(caller, new Input(single));
            LogWrite(one, "created", caller);
            return Results.Json(new JsonObject { [Member] = await ViewForAsync(caller, one) }, statusCode: 201);
        });
        app.MapPut(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var body = await RequestBody.ReadResourceAsync(ctx.Request, Member);
            for (var attempt = 0; ; attempt++)
            {
                var caller = Caller.Of(ctx, defaultProject);
                var current = await GetAsync(caller, id, Rule("update"));
                CheckRevision(ctx, current);
                try
                {
                    var updated = await UpdateAsync(caller, current, new Input(body));
                    LogWrite(updated, "updated", caller);
                    return Results.Json(new JsonObject { [Member] = await ViewForAsync(caller, updated) });
                }
                catch (Dragonflow.NorthDb.NbVersionConflictException) when (attempt < 20)
                {
                    // Someone else updated it between our read and our write: apply ours on theirs.
                }
            }
        });
        app.MapDelete(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            var current = await GetAsync(caller, id, Rule("delete"));
            CheckRevision(ctx, current);
            await DeleteAsync(caller, current);
            LogWrite(current, "deleted", caller);
            return Results.NoContent();
        });

        // Tag extension (standard-attr-tag).
        app.MapGet(path + "/{id}/tags", async (HttpContext ctx, string id) => Results.Json(new { tags = (await GetAsync(Caller.Of(ctx, defaultProject), id)).Tags }));
        app.MapGet(path + "/{id}/tags/{tag}", async (HttpContext ctx, string id, string tag) =>
            (await GetAsync(Caller.Of(ctx, defaultProject), id)).Tags.Contains(tag) ? Results.NoContent() : throw NeutronErrors.NotFound("Tag", $"{tag} on {Member} {id}"));
        app.MapPut(path + "/{id}/tags/{tag}", async (HttpContext ctx, string id, string tag) =>
        {
            await GetAsync(Caller.Of(ctx, defaultProject), id, Rule("update"));
            ValidateTag(tag);
            await MutateTagsAsync(id, tags => { if (!tags.Contains(tag)) tags.Add(tag); });
            return Results.Created($"{path}/{id}/tags/{tag}", null);
        });
        app.MapPut(path + "/{id}/tags", async (HttpContext ctx, string id) =>
        {
            await GetAsync(Caller.Of(ctx, defaultProject), id, Rule("update"));
            var body = new Input(await RequestBody.ReadObjectAsync(ctx.Request)).Only(["tags"]);
            var tags = body.StringList("tags") ?? throw NeutronErrors.BadRequest("Invalid tags body");
            tags.ForEach(ValidateTag);
            var updated = await MutateTagsAsync(id, t => { t.Clear(); t.AddRange(tags); });
            return Results.Json(new { tags = updated.Tags });
        });
        app.MapDelete(path + "/{id}/tags/{tag}", async (HttpContext ctx, string id, string tag) =>
        {
            if (!(await GetAsync(Caller.Of(ctx, defaultProject), id, Rule("update"))).Tags.Contains(tag))
                throw NeutronErrors.NotFound("Tag", $"{tag} on {Member} {id}");
            await MutateTagsAsync(id, t => t.Remove(tag));
            return Results.NoContent();
        });
        app.MapDelete(path + "/{id}/tags", async (HttpContext ctx, string id) =>
        {
            await GetAsync(Caller.Of(ctx, defaultProject), id, Rule("update"));
            await MutateTagsAsync(id, t => t.Clear());
            return Results.NoContent();
        });
    }

    /// <summary>Neutron's revision constraint: <c>If-Match: revision_number=N</c> → 412 unless the resource is at N.</summary>
    static void CheckRevision(HttpContext ctx, T current)
    {
        foreach (var value in ctx.Request.Headers.IfMatch)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.StartsWith("revision_number=", StringComparison.Ordinal))
                    continue;
                if (!long.TryParse(part["revision_number=".Length..], out var wanted))
                    throw NeutronErrors.BadRequest($"Invalid If-Match header value {part}");
                if (wanted != current.Version)
                    throw new NeutronException(412, "RevisionNumberConstraintFailed",
                        $"Constrained to {wanted}, but current revision is {current.Version}");
            }
        }
    }

    static void ValidateTag(string tag)
    {
        if (tag.Length is 0 or > 255 || tag.Contains(','))
            throw NeutronErrors.InvalidInput($"'{tag}' is not a valid tag");
    }

    async Task<T> MutateTagsAsync(string id, Action<List<string>> change)
    {
        try
        {
            return await Plugin.Nb.UpdateAsync<T>(id, item => change(item.Tags));
        }
        catch (Dragonflow.NorthDb.NbKeyNotFoundException)
        {
            throw NeutronErrors.NotFound(Noun, id);
        }
    }

    /// <summary>
    /// Common create-time attributes: id, project, name, description; refuses another project
    /// to a non-admin and create_X to a caller that is not a member of the project.
    /// </summary>
    protected void FillCommon(T item, Caller caller, Input body)
    {
        item.Id = Guid.NewGuid().ToString();
        var project = body.String("project_id") ?? body.String("tenant_id");
        if (body.String("project_id") is { } p && body.String("tenant_id") is { } t && p != t)
            throw NeutronErrors.BadRequest("'project_id' and 'tenant_id' do not match");
        item.Topic = string.IsNullOrEmpty(project) ? caller.ProjectId : project;
        Access.RequireOwnProject(caller, item.Topic);
        Access.Require(caller.Writes(item.Topic), Rule("create"));
        item.Name = body.String("name") ?? "";
        item.Description = body.String("description") ?? "";
    }

    protected static void UpdateCommon(T item, Input body)
    {
        body.ReadOnly("id", "project_id", "tenant_id", "created_at", "updated_at", "revision_number", "status");
        if (body.Has("name")) item.Name = body.String("name") ?? "";
        if (body.Has("description")) item.Description = body.String("description") ?? "";
    }

    protected static readonly string[] CommonAttributes = ["id", "project_id", "tenant_id", "name", "description"];
}
