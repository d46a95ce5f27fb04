using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Verbs;

/// <summary>
/// <c>dragonflow db</c>: inspect and repair the NB database (upstream's df-db). Read verbs take
/// <c>-f json|pretty</c>; write verbs take the object as <c>-j JSON</c> or <c>-f FILE</c>
/// (their output format is <c>--format</c>). An unknown table or key exits 1 with a message.
/// </summary>
static class DbVerb
{
    static readonly Argument<string> TableArgument = new("TABLE") { Description = "NB table, e.g. lport (see 'db tables')." };
    static readonly Argument<string> KeyArgument = new("KEY") { Description = "Object id." };
    static readonly Option<string?> Topic = new("--topic") { Description = "Only objects of this topic (project)." };
    static readonly Option<string> ReadFormat = FormatOption("-f", "--format");
    static readonly Option<string> WriteFormat = FormatOption("--format");
    static readonly Option<string?> Json = new("-j", "--json") { Description = "The object as JSON text." };
    static readonly Option<FileInfo?> File = new("-f", "--file") { Description = "A file holding the object as JSON." };

    static Option<string> FormatOption(string name, params string[] aliases)
    {
        var option = new Option<string>(name, aliases)
        {
            Description = "Output format: json (one line each) or pretty.",
            DefaultValueFactory = _ => "pretty",
        };
        option.AcceptOnlyFromAmong("json", "pretty");
        return option;
    }

    public static Command Create()
    {
        var tables = new Command("tables", "List the NB tables.") { ReadFormat };
        tables.SetAction(parse => Run(parse, _ =>
        {
            foreach (var name in NbApi.TableNames)
                Console.WriteLine(name);
            return Task.FromResult(ExitCodes.Ok);
        }));

        var ls = new Command("ls", "List the ids of a table.") { TableArgument, Topic, ReadFormat };
        ls.SetAction(parse => Run(parse, async nb =>
        {
            foreach (var id in await nb.ListIdsAsync(parse.GetValue(TableArgument)!, parse.GetValue(Topic)))
                Console.WriteLine(id);
            return ExitCodes.Ok;
        }));

        var get = new Command("get", "Print one object.") { TableArgument, KeyArgument, ReadFormat };
        get.SetAction(parse => Run(parse, async nb =>
        {
            var table = parse.GetValue(TableArgument)!;
            var key = parse.GetValue(KeyArgument)!;
            var entry = await nb.GetRawAsync(table, key) ?? throw new NbKeyNotFoundException(table, key);
            Console.WriteLine(Render(entry.Value, parse.GetValue(ReadFormat)!));
            return ExitCodes.Ok;
        }));

        var dumpTable = new Argument<string?>("TABLE") { Description = "Only this table.", Arity = ArgumentArity.ZeroOrOne };
        var dump = new Command("dump", "Print every object of every table (or of one).") { dumpTable, Topic, ReadFormat };
        dump.SetAction(parse => Run(parse, async nb =>
        {
            var format = parse.GetValue(ReadFormat)!;
            var only = parse.GetValue(dumpTable);
            foreach (var table in only is null ? NbApi.TableNames : [only])
            {
                var entries = await nb.DumpRawAsync(table, parse.GetValue(Topic));
                if (format == "pretty")
                    Console.WriteLine($"--- {table} ({entries.Count})");
                foreach (var entry in entries)
                    Console.WriteLine(format == "json" ? $"{entry.Key} {Render(entry.Value, format)}" : Render(entry.Value, format));
            }
            return ExitCodes.Ok;
        }));

        var add = new Command("add", "Create an object from -j JSON or -f FILE.") { TableArgument, Json, File, WriteFormat };
        add.SetAction(parse => Run(parse, async nb =>
        {
            var stored = await nb.CreateRawAsync(parse.GetValue(TableArgument)!, null, ReadObject(parse));
            Console.WriteLine(Render(stored, parse.GetValue(WriteFormat)!));
            return ExitCodes.Ok;
        }));

        var updateKey = new Argument<string?>("KEY") { Description = "Object id (default: the JSON's id).", Arity = ArgumentArity.ZeroOrOne };
        var update = new Command("update", "Replace an object with -j JSON or -f FILE (a version in the JSON must match the stored one).")
        {
            TableArgument, updateKey, Json, File, WriteFormat,
        };
        update.SetAction(parse => Run(parse, async nb =>
        {
            var json = ReadObject(parse);
            var id = parse.GetValue(updateKey) ?? IdOf(json);
            var stored = await nb.UpdateRawAsync(parse.GetValue(TableArgument)!, id, json);
            Console.WriteLine(Render(stored, parse.GetValue(WriteFormat)!));
            return ExitCodes.Ok;
        }));

        var rm = new Command("rm", "Delete an object.") { TableArgument, KeyArgument };
        rm.SetAction(parse => Run(parse, async nb =>
        {
            await nb.DeleteRawAsync(parse.GetValue(TableArgument)!, parse.GetValue(KeyArgument)!);
            return ExitCodes.Ok;
        }));

        var cleanTable = new Argument<string?>("TABLE") { Description = "Only this table.", Arity = ArgumentArity.ZeroOrOne };
        var clean = new Command("clean", "Delete every object (of every table, or of one).") { cleanTable };
        clean.SetAction(parse => Run(parse, async nb =>
        {
            var count = await nb.CleanAsync(parse.GetValue(cleanTable));
            Console.WriteLine($"deleted {count} objects");
            return ExitCodes.Ok;
        }));

        return new Command("db", "Inspect and repair the northbound database.") { tables, ls, get, dump, add, update, rm, clean };
    }

    /// <summary>Opens the NB database of the configuration, runs one verb, and maps NB errors to exit 1.</summary>
    static async Task<int> Run(ParseResult parse, Func<NbApi, Task<int>> verb)
    {
        var config = GlobalOptions.LoadConfig(parse);
        try
        {
            using var nb = await NbConnection.OpenAsync(config, publish: false);
            return await verb(nb);
        }
        catch (NbException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (InvalidInputException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    static string ReadObject(ParseResult parse)
    {
        var json = parse.GetValue(Json);
        var file = parse.GetValue(File);
        if ((json is null) == (file is null))
            throw new InvalidInputException("give the object either as -j JSON or as -f FILE");
        if (file is not null && !file.Exists)
            throw new InvalidInputException($"file {file.FullName} not found");
        return json ?? System.IO.File.ReadAllText(file!.FullName);
    }

    static string IdOf(string json)
    {
        try
        {
            return (JsonNode.Parse(json) as JsonObject)?["id"]?.GetValue<string>()
                ?? throw new InvalidInputException("the object has no \"id\"; name the KEY");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidInputException($"the object is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Stored values are printed as stored when corrupt: the operator needs to see them to repair them.</summary>
    static string Render(string value, string format)
    {
        try
        {
            var node = JsonNode.Parse(value);
            return node?.ToJsonString(new JsonSerializerOptions { WriteIndented = format == "pretty" }) ?? "null";
        }
        catch (JsonException)
        {
            return value;
        }
    }

    sealed class InvalidInputException(string message) : Exception(message);
}
