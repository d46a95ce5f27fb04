namespace Dragonflow.Controller.Flows;

/// <summary>
/// A snapshot of what the installer did since it was created. Flow counters count FLOW_MODs the
/// switch accepted; a reconcile counts a flow it merely re-stamped with the new generation under
/// <see cref="FlowsRestamped"/>, not as a modification. <see cref="FlowConflicts"/> counts flows
/// refused because another owner held the same key; <see cref="FlowsExpired"/> flows the switch
/// timed out (FLOW_REMOVED).
/// </summary>
public sealed record FlowInstallerStats(
    long FlowsAdded,
    long FlowsModified,
    long FlowsDeleted,
    long FlowsRestamped,
    long FlowsRejected,
    long Flushes,
    long Reconciles,
    uint Generation,
    int DesiredFlows,
    int InstalledFlows,
    long FlowConflicts = 0,
    long FlowsExpired = 0)
{
    /// <summary>FLOW_MODs that changed the switch (added + modified + deleted).</summary>
    public long FlowMods => FlowsAdded + FlowsModified + FlowsDeleted;
}
