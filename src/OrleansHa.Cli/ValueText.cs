using System.Globalization;
using OrleansHa.Abstractions.Query;

namespace OrleansHa.Cli;

/// <summary>How a result value reads as text: invariant culture, ISO dates, hex for binary; null for NULL.</summary>
internal static class ValueText
{
    public static string? Format(object? value, ResultType type) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateTime t when type == ResultType.Date => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString(t.Kind == DateTimeKind.Utc ? "yyyy-MM-dd HH:mm:ss.FFFFFFZ" : "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        byte[] bytes => "\\x" + Convert.ToHexString(bytes),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
