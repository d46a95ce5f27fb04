using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// The aging marker flow (table CANARY of <see cref="Pipeline.PipelineSpec"/>): its cookie
/// carries the generation of the flows last installed, so a controller that (re)connects knows
/// which generation to start after. No flow leads to the canary table and its table-miss drops
/// anyway, so a match-all drop at priority 0 there never changes what traffic does.
/// </summary>
public static class AgingCanary
{
    public const byte Table = Pipeline.Tables.Canary;
    public const ushort Priority = 0;

    /// <summary>The app bits of the canary's cookie.</summary>
    public static readonly AppId App = new(0xFF, "aging");

    public static FlowMod Flow(uint generation) =>
        FlowMod.Add(Table, Priority, Match.All, InstructionSet.Drop, FlowCookie.Make(App, generation));

    public static bool Is(FlowStats flow) =>
        flow.TableId == Table && flow.Priority == Priority && flow.Match.Equals(Match.All);
}
