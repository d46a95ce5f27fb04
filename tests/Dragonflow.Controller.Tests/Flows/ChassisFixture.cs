using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>One sandbox chassis (ovsdb-server + ovs-vswitchd in a namespace) per test class;
/// each test makes its own bridge with <see cref="ControlledBridge.CreateAsync"/>.</summary>
public sealed class ChassisFixture : IDisposable
{
    public OvsChassis Chassis { get; } = OvsChassis.Start();

    public void Dispose() => Chassis.Dispose();
}
