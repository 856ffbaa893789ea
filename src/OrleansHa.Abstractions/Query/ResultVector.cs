namespace OrleansHa.Abstractions.Query;

/// <summary>
/// The values of one column in one <see cref="ResultBatch"/>: a single typed array, null where the value is NULL.
/// Exactly one of the arrays is set, the one that <see cref="Type"/> names (<see cref="Strings"/> for both
/// <see cref="ResultType.String"/> and <see cref="ResultType.Other"/>, <see cref="DateTimes"/> for both
/// <see cref="ResultType.Date"/> and <see cref="ResultType.Timestamp"/>); build one with the <c>Of...</c> factories.
/// </summary>
/// <remarks>The arrays are handed out as they are, for speed: treat them as read-only.</remarks>
[GenerateSerializer]
[Immutable]
#pragma warning disable CA1819 // Arrays on purpose: a columnar batch is a set of typed arrays, serialized as such.
public sealed class ResultVector
{
    private ResultVector(ResultType type) => Type = type;

    [Id(0)]
    public ResultType Type { get; init; }

    [Id(1)]
    public bool?[]? Booleans { get; init; }

    [Id(2)]
    public long?[]? Integers { get; init; }

    [Id(3)]
    public double?[]? Doubles { get; init; }

    [Id(4)]
    public decimal?[]? Decimals { get; init; }

    /// <summary>The values of a <see cref="ResultType.String"/> or <see cref="ResultType.Other"/> column.</summary>
    [Id(5)]
    public string?[]? Strings { get; init; }

    /// <summary>The values of a <see cref="ResultType.Date"/> or <see cref="ResultType.Timestamp"/> column.</summary>
    [Id(6)]
    public DateTime?[]? DateTimes { get; init; }

    [Id(7)]
    public byte[]?[]? Binaries { get; init; }
#pragma warning restore CA1819

    /// <summary>The number of values (the batch's row count).</summary>
    public int Length => Type switch
    {
        ResultType.Boolean => Booleans?.Length,
        ResultType.Integer => Integers?.Length,
        ResultType.Double => Doubles?.Length,
        ResultType.Decimal => Decimals?.Length,
        ResultType.String or ResultType.Other => Strings?.Length,
        ResultType.Date or ResultType.Timestamp => DateTimes?.Length,
        ResultType.Binary => Binaries?.Length,
        _ => null,
    } ?? 0;

    public static ResultVector OfBooleans(bool?[] values) =>
        new(ResultType.Boolean) { Booleans = values ?? throw new ArgumentNullException(nameof(values)) };

    public static ResultVector OfIntegers(long?[] values) =>
        new(ResultType.Integer) { Integers = values ?? throw new ArgumentNullException(nameof(values)) };

    public static ResultVector OfDoubles(double?[] values) =>
        new(ResultType.Double) { Doubles = values ?? throw new ArgumentNullException(nameof(values)) };

    public static ResultVector OfDecimals(decimal?[] values) =>
        new(ResultType.Decimal) { Decimals = values ?? throw new ArgumentNullException(nameof(values)) };

    /// <param name="values">The values.</param>
    /// <param name="type"><see cref="ResultType.String"/> or <see cref="ResultType.Other"/>.</param>
    public static ResultVector OfStrings(string?[] values, ResultType type = ResultType.String)
    {
        if (type is not (ResultType.String or ResultType.Other))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Text values are String or Other.");
        }

        return new(type) { Strings = values ?? throw new ArgumentNullException(nameof(values)) };
    }

    /// <param name="values">The values.</param>
    /// <param name="type"><see cref="ResultType.Date"/> or <see cref="ResultType.Timestamp"/>.</param>
    public static ResultVector OfDateTimes(DateTime?[] values, ResultType type)
    {
        if (type is not (ResultType.Date or ResultType.Timestamp))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Date and time values are Date or Timestamp.");
        }

        return new(type) { DateTimes = values ?? throw new ArgumentNullException(nameof(values)) };
    }

    public static ResultVector OfBinaries(byte[]?[] values) =>
        new(ResultType.Binary) { Binaries = values ?? throw new ArgumentNullException(nameof(values)) };

    /// <summary>Whether the value at <paramref name="row"/> is NULL.</summary>
    public bool IsNull(int row) => GetValue(row) is null;

    /// <summary>The value at <paramref name="row"/>, boxed (<see cref="long"/>, <see cref="string"/>, ...), or null for NULL.</summary>
    public object? GetValue(int row) => Type switch
    {
        ResultType.Boolean => Booleans![row],
        ResultType.Integer => Integers![row],
        ResultType.Double => Doubles![row],
        ResultType.Decimal => Decimals![row],
        ResultType.String or ResultType.Other => Strings![row],
        ResultType.Date or ResultType.Timestamp => DateTimes![row],
        ResultType.Binary => Binaries![row],
        _ => throw new InvalidOperationException($"Unknown result type {Type}."),
    };
}
