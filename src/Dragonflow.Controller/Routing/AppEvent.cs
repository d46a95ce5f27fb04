using Dragonflow.Controller.Apps;

namespace Dragonflow.Controller.Routing;

/// <summary>
/// One thing the apps are told: a port, network, router, floating IP or security group to
/// recompute. <see cref="WithPorts"/> on a network also recomputes each of its ports (what
/// changed is something every port's flows depend on, e.g. its segment or a subnet).
/// </summary>
public readonly record struct AppEvent(AppEvents Kind, string Id, bool WithPorts = false)
{
    public static AppEvent Port(string id) => new(AppEvents.Port, id);
    public static AppEvent Network(string id, bool withPorts = false) => new(AppEvents.Network, id, withPorts);
    public static AppEvent Router(string id) => new(AppEvents.Router, id);
    public static AppEvent FloatingIp(string id) => new(AppEvents.FloatingIp, id);
    public static AppEvent SecurityGroup(string id) => new(AppEvents.SecurityGroup, id);
}
