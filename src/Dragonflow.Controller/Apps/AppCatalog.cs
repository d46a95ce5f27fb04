using Dragonflow.Controller.Flows;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// The app names <c>apps_list</c> may use; any other name is a configuration error found at
/// start-up. "aging" is not an app class: it turns on the installer's cookie generations.
/// </summary>
public static class AppCatalog
{
    public const string Aging = "aging";

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
    };

    public static IEnumerable<string> KnownNames => Implemented.Keys.Append(Aging);

    /// <summary>Checks <paramref name="names"/>; throws <see cref="ArgumentException"/> naming every unknown one.</summary>
    public static void Validate(IEnumerable<string> names)
    {
        var unknown = names.Where(n => !KnownNames.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown app(s) in apps_list: {string.Join(", ", unknown)} (known: {string.Join(", ", KnownNames)})");
        }
    }

    /// <summary>The apps to run, in apps_list order; a duplicate AppId or two names for one app is an error.</summary>
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
        return apps;
    }
}
