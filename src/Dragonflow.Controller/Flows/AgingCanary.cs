using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// The aging app's marker flow (DESIGN §6, table 200 CANARY): its cookie carries the generation
/// of the flows last installed, so a controller that (re)connects knows which generation to
/// start after. No flow jumps to table 200 and its table-miss drops anyway, so a match-all drop
/// at priority 0 there never changes what traffic does.
/// </summary>
public static class AgingCanary
{
    public const byte Table = 200;
    public const ushort Priority = 0;

    /// <summary>The app bits of the canary's cookie.</summary>
    public static readonly AppId App = new(0xFF, "aging");

    public static FlowMod Flow(uint generation) =>
        FlowMod.Add(Table, Priority, Match.All, InstructionSet.Drop, FlowCookie.Make(App, generation));

    public static bool Is(FlowStats flow) =>
        flow.TableId == Table && flow.Priority == Priority && flow.Match.Equals(Match.All);
}
