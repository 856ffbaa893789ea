using System.Text;
using System.Text.Json;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Cli;

/// <summary>Writes a query's result as it streams: a table for people, CSV or JSON for pipes.</summary>
internal abstract class ResultWriter(TextWriter output)
{
    protected TextWriter Output { get; } = output;

    public static ResultWriter For(string format, TextWriter output) => format switch
    {
        "table" => new TableWriter(output),
        "csv" => new CsvWriter(output),
        "json" => new JsonWriter(output),
        _ => throw new UsageException($"--format is table, csv or json, not '{format}'."),
    };

    /// <summary>Called for each batch, in order; the first one may have no rows (its columns still count).</summary>
    public abstract void Write(ResultBatch batch);

    /// <summary>Called once the result is complete.</summary>
    public abstract void Finish(long rows);

    protected static IEnumerable<string?> Texts(ResultBatch batch, int row) =>
        Enumerable.Range(0, batch.Columns.Count).Select(c => ValueText.Format(batch.Vectors[c].GetValue(row), batch.Columns[c].Type));
}

/// <summary>RFC 4180: a header line, then a line per row; NULL is an empty field.</summary>
internal sealed class CsvWriter(TextWriter output) : ResultWriter(output)
{
    private bool _header;

    public override void Write(ResultBatch batch)
    {
        if (!_header)
        {
            Output.WriteLine(string.Join(',', batch.Columns.Select(c => Quote(c.Name))));
            _header = true;
        }

        for (int row = 0; row < batch.RowCount; row++)
        {
            Output.WriteLine(string.Join(',', Texts(batch, row).Select(Quote)));
        }
    }

    public override void Finish(long rows) => Output.Flush();

    private static string Quote(string? text) =>
        text is null ? string.Empty
        : text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : text;
}

/// <summary>One JSON array of objects, column name to value (numbers and booleans as JSON, the rest as strings), written as it streams.</summary>
internal sealed class JsonWriter(TextWriter output) : ResultWriter(output)
{
    private readonly StringBuilder _line = new();
    private bool _any;

    public override void Write(ResultBatch batch)
    {
        for (int row = 0; row < batch.RowCount; row++)
        {
            _line.Clear();
            _line.Append(_any ? ",\n" : "[\n").Append("  {");
            for (int column = 0; column < batch.Columns.Count; column++)
            {
                _line.Append(column == 0 ? string.Empty : ", ").Append(JsonSerializer.Serialize(batch.Columns[column].Name)).Append(": ");
                object? value = batch.Vectors[column].GetValue(row);
                _line.Append(value switch
                {
                    null => "null",
                    bool or long or decimal => ValueText.Format(value, batch.Columns[column].Type),
                    double d when double.IsFinite(d) => ValueText.Format(value, batch.Columns[column].Type),
                    _ => JsonSerializer.Serialize(ValueText.Format(value, batch.Columns[column].Type)),
                });
            }

            Output.Write(_line.Append('}'));
            _any = true;
        }
    }

    public override void Finish(long rows)
    {
        Output.WriteLine(_any ? "\n]" : "[]");
        Output.Flush();
    }
}

/// <summary>
/// An aligned table. Column widths come from the header and the first rows (kept back until
/// <see cref="WidthSample"/> rows have come or the result ends); later rows are written as they come.
/// </summary>
internal sealed class TableWriter(TextWriter output) : ResultWriter(output)
{
    private const int WidthSample = 200;
    private const int MaxWidth = 60;
    private readonly List<string[]> _pending = [];
    private IReadOnlyList<ResultColumn>? _columns;
    private int[]? _widths;

    public override void Write(ResultBatch batch)
    {
        _columns ??= batch.Columns;
        for (int row = 0; row < batch.RowCount; row++)
        {
            string[] cells = [.. Texts(batch, row).Select(t => t ?? "NULL")];
            if (_widths is null)
            {
                _pending.Add(cells);
                if (_pending.Count >= WidthSample)
                {
                    Flush();
                }
            }
            else
            {
                WriteRow(cells);
            }
        }
    }

    public override void Finish(long rows)
    {
        if (_widths is null)
        {
            Flush();
        }

        Output.WriteLine(rows == 1 ? "(1 row)" : $"({rows:N0} rows)");
        Output.Flush();
    }

    /// <summary>Writes <paramref name="rows"/> (header first) as an aligned table.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        var table = new TableWriter(output) { _columns = [.. header.Select(h => new ResultColumn(h, ResultType.String))] };
        table._pending.AddRange(rows);
        table.Flush();
    }

    private void Flush()
    {
        IReadOnlyList<ResultColumn> columns = _columns ?? [];
        _widths = [.. columns.Select((c, i) => Math.Min(MaxWidth, _pending.Select(r => r[i].Length).Append(c.Name.Length).Max()))];
        WriteRow([.. columns.Select(c => c.Name)]);
        Output.WriteLine(string.Join("-+-", _widths.Select(w => new string('-', w))));
        foreach (string[] row in _pending)
        {
            WriteRow(row);
        }

        _pending.Clear();
    }

    private void WriteRow(string[] cells)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            string cell = cells[i].ReplaceLineEndings(" ");
            if (cell.Length > _widths![i])
            {
                cell = cell[..(_widths[i] - 1)] + "…";
            }

            line.Append(i == 0 ? string.Empty : " | ").Append(IsNumeric(i) ? cell.PadLeft(_widths[i]) : cell.PadRight(_widths[i]));
        }

        Output.WriteLine(line.ToString().TrimEnd());
    }

    private bool IsNumeric(int column) => _columns![column].Type is ResultType.Integer or ResultType.Double or ResultType.Decimal;
}
