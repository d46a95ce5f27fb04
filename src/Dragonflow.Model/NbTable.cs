using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Dragonflow.Model;

/// <summary>One NB table: its name on the wire, its CLR type and how to (de)serialize it.</summary>
public abstract class NbTable
{
    private protected NbTable(string name, Type type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public Type Type { get; }

    /// <summary>Parses a stored value; throws <see cref="JsonException"/> if it is not valid JSON for this table.</summary>
    public abstract NbObject Deserialize(string json);

    public abstract string Serialize(NbObject value);

    public abstract NbObject CreateEmpty();
}

/// <summary>An NB table whose rows are <typeparamref name="T"/>.</summary>
public sealed class NbTable<T> : NbTable where T : NbObject, new()
{
    public NbTable(string name, JsonTypeInfo<T> typeInfo) : base(name, typeof(T))
    {
        TypeInfo = typeInfo;
    }

    public JsonTypeInfo<T> TypeInfo { get; }

    public T Parse(string json) =>
        JsonSerializer.Deserialize(json, TypeInfo) ?? throw new JsonException("value is JSON null");

    public string Format(T value) => JsonSerializer.Serialize(value, TypeInfo);

    public override NbObject Deserialize(string json) => Parse(json);

    public override string Serialize(NbObject value) => Format((T)value);

    public override NbObject CreateEmpty() => new T();
}
