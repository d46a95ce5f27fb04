using Dragonflow.Model;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.Ovsdb.Vswitch;

namespace Dragonflow.Controller.Hosting;

/// <summary>One thing for the event loop to do. Everything that changes controller state is one of these.</summary>
internal abstract record WorkItem;

internal sealed record NbUpdateReceived(DbUpdate Update) : WorkItem;

/// <summary>Ask for a full sync (after a gap, a publisher reconnect, or on the safety timer).</summary>
internal sealed record FullSyncRequested(string Reason) : WorkItem;

/// <summary>A full read of the NB tables, started when the loop had processed <see cref="StartedAt"/> items.</summary>
internal sealed record NbSnapshotRead(IReadOnlyDictionary<NbTable, IReadOnlyList<NbObject>> Tables, long StartedAt) : WorkItem;

internal sealed record InterfaceChanged(InterfaceEvent Event) : WorkItem;

internal sealed record SwitchConnected(OpenFlowConnection Connection) : WorkItem;

internal sealed record SwitchDisconnected(OpenFlowConnection Connection) : WorkItem;

/// <summary>A binding write to NB finished; <see cref="Stored"/> is what was written (null if it failed).</summary>
internal sealed record BindingWritten(string PortId, LogicalPort? Stored) : WorkItem;

/// <summary>A packet the switch sent to the controller, copied out of the connection's buffer.</summary>
internal sealed record PacketInReceived(Apps.PacketInData Packet) : WorkItem;

/// <summary>The switch expired a flow (FLOW_REMOVED); its app is told on the loop.</summary>
internal sealed record FlowExpiredOnSwitch(Flows.AppId App, Flows.FlowOwner Owner, Flows.DesiredFlow Flow) : WorkItem;

/// <summary>The periodic tick for apps that retry or refresh something (e.g. dnat's gateway ARP).</summary>
internal sealed record TimerTick : WorkItem;
