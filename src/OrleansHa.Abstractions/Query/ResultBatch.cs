namespace OrleansHa.Abstractions.Query;

/// <summary>
/// A slice of a query result, column by column: <see cref="Vectors"/>[i] holds the <see cref="RowCount"/> values of
/// <see cref="Columns"/>[i]. A query's result arrives as a stream of these, each with the same columns.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record ResultBatch(
    [property: Id(0)] IReadOnlyList<ResultColumn> Columns,
    [property: Id(1)] IReadOnlyList<ResultVector> Vectors,
    [property: Id(2)] int RowCount)
{
    /// <summary>
    /// <paramref name="batch"/> as rows and typed vectors: each Arrow type as the <see cref="ResultType"/> it maps to,
    /// the types without one as text.
    /// </summary>
    /// <exception cref="QueryFailedException">A value does not fit its <see cref="ResultType"/> (a DECIMAL wider than <see cref="decimal"/>).</exception>
    public static ResultBatch FromArrow(Apache.Arrow.RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return ArrowConversion.ToResultBatch(batch);
    }

    /// <summary>The <see cref="ResultType"/> of an Arrow column of <paramref name="type"/>.</summary>
    public static ResultType ResultTypeOf(Apache.Arrow.Types.IArrowType type) => ArrowConversion.ResultTypeOf(type);

    /// <summary>The value in <paramref name="row"/> of column <paramref name="column"/>, or null for NULL.</summary>
    public object? GetValue(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return Vectors[column].GetValue(row);
    }

    /// <summary>The position of the first column called <paramref name="name"/> (ordinal, case-sensitive), or -1.</summary>
    public int GetOrdinal(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The values of one row, in column order.</summary>
    public object?[] GetRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        var values = new object?[Vectors.Count];
        for (var column = 0; column < values.Length; column++)
        {
            values[column] = Vectors[column].GetValue(row);
        }

        return values;
    }

    /// <summary>The rows one by one (each a fresh array of boxed values, see <see cref="GetRow"/>).</summary>
    public IEnumerable<object?[]> Rows()
    {
        for (var row = 0; row < RowCount; row++)
        {
            yield return GetRow(row);
        }
    }
}
