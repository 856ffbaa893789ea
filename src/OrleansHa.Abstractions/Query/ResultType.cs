namespace OrleansHa.Abstractions.Query;

/// <summary>
/// The type of one result column, as the engine hands it out. Each maps to one .NET type in
/// <see cref="ResultVector"/>; engine types without an exact match are <see cref="Other"/> and arrive as text.
/// </summary>
#pragma warning disable CA1720 // The members name SQL value types on purpose; they are not .NET type names in disguise.
public enum ResultType
{
    /// <summary>BOOLEAN, as <see cref="bool"/>.</summary>
    Boolean,

    /// <summary>TINYINT to BIGINT and UTINYINT to UINTEGER, as <see cref="long"/>.</summary>
    Integer,

    /// <summary>FLOAT and DOUBLE, as <see cref="double"/>.</summary>
    Double,

    /// <summary>
    /// DECIMAL, and the integers wider than <see cref="long"/> (UBIGINT, HUGEINT, UHUGEINT: what <c>sum()</c> of
    /// integers returns), as <see cref="decimal"/>.
    /// </summary>
    Decimal,

    /// <summary>VARCHAR (and JSON, ENUM), as <see cref="string"/>.</summary>
    String,

    /// <summary>DATE, as a <see cref="DateTime"/> at midnight with <see cref="DateTimeKind.Unspecified"/>.</summary>
    Date,

    /// <summary>
    /// TIMESTAMP (any precision, as <see cref="DateTimeKind.Unspecified"/>) and TIMESTAMPTZ (the instant, as
    /// <see cref="DateTimeKind.Utc"/>), as <see cref="DateTime"/>.
    /// </summary>
    Timestamp,

    /// <summary>BLOB, as <see cref="byte"/> arrays.</summary>
    Binary,

    /// <summary>Anything else (LIST, STRUCT, MAP, UUID, INTERVAL, TIME, BIT, ...), rendered as text.</summary>
    Other,
}
#pragma warning restore CA1720
