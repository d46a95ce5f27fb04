using System.CommandLine;
using System.CommandLine.Parsing;
using Dragonflow.Cli;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Cli.Verbs;
using Dragonflow.Configuration;
using Prometheus;

// Our own metrics and the process ones; prometheus-net's bridges of every .NET event counter and
// meter would cost the controller tens of MB (its memory target is 100 MB) for figures nobody asked for.
Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressDebugMetrics = true });

var root = new RootCommand("Dragonflow: a distributed SDN control plane for OpenStack Neutron.");
GlobalOptions.AddTo(root);
root.Subcommands.Add(ConfigVerb.Create());
root.Subcommands.Add(DbVerb.Create());
root.Subcommands.Add(ServerVerb.Create());
root.Subcommands.Add(ControllerVerb.Create());
root.Subcommands.Add(BenchVerb.Create());
root.Subcommands.Add(StatusVerb.Create());
root.Subcommands.Add(TraceVerb.Create());
root.Subcommands.Add(PipelineVerb.Create());

var parse = root.Parse(args);
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.Usage;
}
catch (MissingPrerequisiteException e)
{
    Console.Error.WriteLine($"error: {CommandPath(parse)}: {e.Message}");
    return ExitCodes.MissingPrerequisite;
}

// "dragonflow bench openflow": the verb that could not run, as the operator typed it.
static string CommandPath(ParseResult parse)
{
    var names = new List<string>();
    for (var command = parse.CommandResult; command is not null; command = command.Parent as CommandResult)
        names.Insert(0, command.Command.Name);
    return string.Join(' ', names);
}
