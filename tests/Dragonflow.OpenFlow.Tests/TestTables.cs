using Dragonflow.OpenFlow.Bench;

namespace Dragonflow.OpenFlow.Tests;

/// <summary>The tables the OpenFlow tests put sample flows in: classic Dragonflow's numbers, though any distinct tables would do (the library knows no pipeline).</summary>
static class TestTables
{
    public static readonly SampleTables Sample = new(Classification: 0, AfterClassification: 3, Arp: 10, Lookup: 17, Egress: 64, Dispatch: 78);
}
