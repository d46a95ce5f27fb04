using System.Text.Json.Nodes;
using Dragonflow.Ovsdb.Data;

namespace Dragonflow.Ovsdb.Tests;

public class DatumTests
{
    private static readonly ColumnType StringMap = new(AtomKind.String, AtomKind.String, 0, null);
    private static readonly ColumnType UuidSet = new(AtomKind.Uuid, null, 0, null);
    private static readonly ColumnType OptionalInt = new(AtomKind.Integer, null, 0, 1);
    private static readonly ColumnType ScalarString = new(AtomKind.String, null, 1, 1);

    [Theory]
    [InlineData("\"br-int\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("[\"uuid\",\"36f53a8e-0a3f-4d53-9a4b-0e9f3c4b1a11\"]")]
    [InlineData("[\"named-uuid\",\"row1\"]")]
    [InlineData("[\"set\",[]]")]
    [InlineData("[\"set\",[1,2,3]]")]
    [InlineData("[\"map\",[[\"iface-id\",\"p1\"],[\"attached-mac\",\"fa:16:3e:00:00:01\"]]]")]
    public void JsonRoundTripsPerRfc7047Section5_1(string json)
    {
        var datum = OvsdbDatum.FromJson(JsonNode.Parse(json));
        Assert.Equal(json, datum.ToJson().ToJsonString());
    }

    [Fact]
    public void SetOfOneIsWrittenAsTheBareAtomAndSetsCompareUnordered()
    {
        Assert.Equal("\"x\"", OvsdbDatum.Set("x").ToJson().ToJsonString());
        Assert.Equal(OvsdbDatum.Set(1, 2, 3), OvsdbDatum.FromJson(JsonNode.Parse("[\"set\",[3,1,2]]")));
        Assert.Equal(OvsdbDatum.Map(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }),
            OvsdbDatum.FromJson(JsonNode.Parse("[\"map\",[[\"b\",\"2\"],[\"a\",\"1\"]]]")));
        Assert.NotEqual(OvsdbDatum.Set(1, 2), OvsdbDatum.Set(1, 3));
    }

    [Theory]
    [InlineData("[\"set\"]")]
    [InlineData("[\"map\",[[\"a\"]]]")]
    [InlineData("[\"uuid\",\"not-a-uuid\"]")]
    [InlineData("{\"a\":1}")]
    [InlineData("null")]
    public void MalformedDatumIsAProtocolError(string json)
    {
        Assert.Throws<OvsdbProtocolException>(() => OvsdbDatum.FromJson(JsonNode.Parse(json)));
    }

    [Fact]
    public void Update2MapDiffAddsRemovesAndReplacesKeys()
    {
        var old = OvsdbDatum.Map(new Dictionary<string, string> { ["keep"] = "1", ["drop"] = "2", ["change"] = "3" });
        var diff = OvsdbDatum.Map(new Dictionary<string, string> { ["drop"] = "2", ["change"] = "30", ["add"] = "4" });
        var result = old.ApplyDiff(diff, StringMap).AsStringMap();
        Assert.Equal(new Dictionary<string, string> { ["keep"] = "1", ["change"] = "30", ["add"] = "4" }, result);
    }

    [Fact]
    public void Update2SetDiffIsSymmetricDifferenceAndScalarIsReplaced()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var c = Guid.NewGuid();
        Assert.Equal(OvsdbDatum.UuidSet(new[] { a, c }), OvsdbDatum.UuidSet(new[] { a, b }).ApplyDiff(OvsdbDatum.UuidSet(new[] { b, c }), UuidSet));
        // An optional integer going from unset to 5 and from 5 to 7.
        Assert.Equal(5, OvsdbDatum.EmptySet.ApplyDiff(5L, OptionalInt).AsInteger());
        Assert.Equal(7, ((OvsdbDatum)5L).ApplyDiff(OvsdbDatum.Set(5L, 7L), OptionalInt).AsInteger());
        Assert.Equal("new", ((OvsdbDatum)"old").ApplyDiff("new", ScalarString).AsString());
    }
}
