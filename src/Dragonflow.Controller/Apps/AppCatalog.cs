using Dragonflow.Controller.Apps.L2;
using Dragonflow.Controller.Apps.L3;
using Dragonflow.Controller.Apps.Tunneling;
using Dragonflow.Controller.Flows;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// The app names <c>apps_list</c> may use; any other name is a configuration error found at
/// start-up. "aging" is not an app class: it turns on the installer's cookie generations.
/// </summary>
public static class AppCatalog
{
    public const string Aging = "aging";

    /// <summary>The metadata service app (upstream's name).</summary>
    public const string MetadataService = "metadata_service";

    private static readonly Dictionary<string, Func<ChassisContext, ControllerApp>> Implemented = new(StringComparer.Ordinal)
    {
        ["l2"] = c => new L2App(c),
        ["tunneling"] = c => new TunnelingApp(c),
        ["dhcp"] = c => new Dhcp.DhcpApp(c),
        ["l3_proactive"] = c => new L3ProactiveApp(c),
        ["l3_reactive"] = c => new L3ReactiveApp(c),
        ["portsec"] = c => new PortSecurity.PortSecurityApp(c),
        ["dnat"] = c => new Dnat.DnatApp(c),
        ["sg"] = c => new SecurityGroups.SecurityGroupApp(c),
        ["provider"] = c => new Provider.ProviderApp(c),
        [MetadataService] = c => new Metadata.MetadataServiceApp(c),
        ["snat"] = c => new Snat.SnatApp(c),
    };

    public static IEnumerable<string> KnownNames => Implemented.Keys.Append(Aging);

    /// <summary>
    /// Checks <paramref name="names"/>; throws <see cref="ArgumentException"/> naming every unknown
    /// one, or the bands of apps that cannot run together.
    /// </summary>
    public static void Validate(IEnumerable<string> names)
    {
        var list = names.ToList();
        var unknown = list.Where(n => !KnownNames.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown app(s) in apps_list: {string.Join(", ", unknown)} (known: {string.Join(", ", KnownNames)})");
        }
        _ = Create(list, Offline());
    }

    /// <summary>Every app this build knows, created over an empty chassis: for their declarations (ids, contracts).</summary>
    public static IReadOnlyList<ControllerApp> Declarations() =>
        Implemented.Values.Select(create => create(Offline())).ToList();

    private static ChassisContext Offline() =>
        new("", [], new Topology.NbCache(), new Topology.BridgePorts(), new FlowInstaller(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    /// <summary>
    /// The apps to run, in apps_list order. A duplicate AppId, two names for one app, or apps whose
    /// priority bands compete in a table (<see cref="Pipeline.AppContract.Conflicts"/>) is an error.
    /// </summary>
    public static IReadOnlyList<ControllerApp> Create(IEnumerable<string> names, ChassisContext context)
    {
        var apps = new List<ControllerApp>();
        var ids = new HashSet<AppId>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (!Implemented.TryGetValue(name, out var create)) continue;
            var app = create(context);
            if (!ids.Add(app.Id)) throw new ArgumentException($"two apps use cookie id {app.Id.Value}");
            apps.Add(app);
        }
        var conflicts = Pipeline.AppContract.Conflicts(apps.Select(a => a.Contract).ToList());
        if (conflicts.Count > 0)
            throw new ArgumentException($"these apps cannot run together: {string.Join("; ", conflicts)}");
        return apps;
    }
}
