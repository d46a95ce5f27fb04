using System.Globalization;
using System.Text.RegularExpressions;

namespace Dragonflow.Testing;

/// <summary>
/// The samples of a Prometheus text-format page (exposition format 0.0.4): one per
/// <c>name{label="value",...} number</c> line; comments and blank lines are skipped.
/// </summary>
public sealed partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Sample> Samples { get; }

    public string Text { get; }

    PrometheusText(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var m = SampleLine().Match(line);
            if (!m.Success) throw new FormatException($"not a Prometheus sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in LabelPair().Matches(m.Groups["labels"].Value))
                labels[l.Groups["k"].Value] = Regex.Unescape(l.Groups["v"].Value);
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(m.Groups["name"].Value, labels, value));
        }
        return new PrometheusText(text, samples);
    }

    /// <summary>Fetches and parses <paramref name="url"/>.</summary>
    public static async Task<PrometheusText> ScrapeAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every pair given.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value))
            .Sum(s => s.Value);

    /// <summary>Whether any sample has this name.</summary>
    public bool Has(string name) => Samples.Any(s => s.Name == name);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(\\.|[^"\\])*)"\s*,?""")]
    private static partial Regex LabelPair();
}
