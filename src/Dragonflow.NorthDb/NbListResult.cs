namespace Dragonflow.NorthDb;

/// <summary>The readable objects of a table plus the stored values that could not be parsed.</summary>
public sealed record NbListResult<T>(IReadOnlyList<T> Items, IReadOnlyList<NbCorruptValueException> Corrupt);
