using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>/v2.0/address-scopes (extension address-scope): shared is the admin's; in use while a subnet pool names it.</summary>
sealed class AddressScopeEndpoints(CorePlugin plugin) : ResourceEndpoints<AddressScope>(plugin)
{
    static readonly string[] Attributes = [.. CommonAttributes, "ip_version", "shared"];

    public override string Collection => "address-scopes";
    public override string Member => "address_scope";
    protected override string Noun => "AddressScope";

    public override JsonObject View(AddressScope item) => PoolViews.AddressScope(item);

    /// <summary>get_address_scope: the project's reader, or the scope is shared.</summary>
    protected override Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller) =>
        Task.FromResult<Func<JsonObject, bool>>(tree => caller.Reads((string?)tree["project_id"]) || (bool?)tree["shared"] == true);

    protected override async Task<AddressScope> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var scope = new AddressScope();
        FillCommon(scope, caller, body);
        var version = body.Int("ip_version") ?? throw NeutronErrors.BadRequest("Failed to parse request. Required attribute 'ip_version' not specified");
        if (version is not (4 or 6))
            throw NeutronErrors.InvalidInput($"{version} is not in [4, 6]");
        scope.IpVersion = version;
        scope.Shared = body.Bool("shared") ?? false;
        Access.Require(caller.IsAdmin || !scope.Shared, Rule("create"), "shared");
        return await Plugin.Nb.CreateAsync(scope);
    }

    protected override async Task<AddressScope> UpdateAsync(Caller caller, AddressScope scope, Input body)
    {
        body.Only(Attributes).ReadOnly("ip_version");
        UpdateCommon(scope, body);
        // update_address_scope:shared is the admin's whatever the value; a shared scope stays shared (Neutron).
        if (body.Has("shared"))
            Access.Require(caller.IsAdmin, Rule("update"), "shared");
        if (body.Bool("shared") is { } shared && shared != scope.Shared)
        {
            if (!shared)
                throw new NeutronException(400, "AddressScopeUpdateError",
                    $"Unable to update address scope {scope.Id} : Shared address scope can't be unshared");
            scope.Shared = shared;
        }
        return await Plugin.Nb.UpdateAsync(scope);
    }

    protected override async Task DeleteAsync(Caller caller, AddressScope scope)
    {
        if ((await Plugin.Nb.ListAsync<SubnetPool>()).Items.Any(p => p.AddressScopeId == scope.Id))
            throw NeutronErrors.InUse("AddressScopeInUse",
                $"Unable to complete operation on address scope {scope.Id}. There are one or more subnet pools in use on the address scope.");
        await Plugin.Nb.DeleteAsync<AddressScope>(scope.Id);
    }
}
