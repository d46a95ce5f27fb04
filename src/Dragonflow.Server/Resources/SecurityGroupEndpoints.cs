using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>/v2.0/security-groups: a group and its rules are one lsecgroup object.</summary>
sealed class SecurityGroupEndpoints(CorePlugin plugin) : ResourceEndpoints<SecurityGroup>(plugin)
{
    static readonly string[] Attributes = [.. CommonAttributes, "stateful"];

    public override string Collection => "security-groups";
    public override string Member => "security_group";
    protected override string? QuotaResource => "security_group";
    protected override string Noun => "Security group";

    public override JsonObject View(SecurityGroup item) => Views.SecurityGroup(item);

    protected override Task BeforeListAsync(Caller caller) => DefaultSecurityGroup.EnsureAsync(Plugin, caller.ProjectId);

    protected override async Task<SecurityGroup> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var group = new SecurityGroup();
        FillCommon(group, caller, body);
        if (group.Name == "default")
            throw NeutronErrors.Conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.");
        group.Stateful = body.Bool("stateful") ?? true;
        await DefaultSecurityGroup.EnsureAsync(Plugin, group.Topic!);
        foreach (var ethertype in new[] { "IPv4", "IPv6" })
            group.Rules.Add(new SecurityGroupRule
            {
                Id = Guid.NewGuid().ToString(), Topic = group.Topic, Direction = "egress", Ethertype = ethertype,
                Version = 1, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            });
        // The group's own egress rules count against the rules quota, as in Neutron.
        await Plugin.Quotas.RequireRoomAsync("security_group_rule", group.Rules.Select(r => r.Topic!));
        group.UniqueKey = await Plugin.Nb.AllocateUniqueKeyAsync<SecurityGroup>();
        return await Plugin.Nb.CreateAsync(group);
    }

    protected override async Task<SecurityGroup> UpdateAsync(Caller caller, SecurityGroup group, Input body)
    {
        body.Only(Attributes);
        // Another group may not take the name "default" (Neutron's name validator, also on update).
        if (group.Id != DefaultSecurityGroup.IdFor(group.Topic ?? "") && body.String("name") == "default")
            throw NeutronErrors.Conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.");
        UpdateCommon(group, body);
        if (group.Id == DefaultSecurityGroup.IdFor(group.Topic ?? "") && group.Name != "default")
            throw NeutronErrors.Conflict("SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.");
        if (body.Bool("stateful") is { } stateful) group.Stateful = stateful;
        return await Plugin.Nb.UpdateAsync(group);
    }

    protected override async Task DeleteAsync(Caller caller, SecurityGroup group)
    {
        if (group.Id == DefaultSecurityGroup.IdFor(group.Topic ?? "") && !caller.IsAdmin)
            throw NeutronErrors.Conflict("SecurityGroupCannotRemoveDefault", "Removing default security group not allowed.");
        // Deleting a group is rare; scanning the ports for users of it is acceptable here.
        var ports = (await Plugin.Nb.ListAsync<LogicalPort>()).Items;
        if (ports.Any(p => p.SecurityGroups.Contains(group.Id)))
            throw NeutronErrors.InUse("SecurityGroupInUse", $"Security Group {group.Id} in use.");
        await Plugin.Nb.DeleteAsync<SecurityGroup>(group.Id);
    }
}
