using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OrleansHa.Node.Configuration;

/// <summary>
/// Reads resolved values as .NET types, as Typesafe Config does: a string that spells a number or boolean reads as
/// one (environment variables are strings), and numbers and booleans read as strings. Failures come back as the text
/// that follows "key '...': " in a problem message, e.g. <c>expected a number, got "abc"</c>.
/// </summary>
internal static class ConfigValueReader
{
    public static bool TryReadString(ConfigValue value, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out string? error)
    {
        if (value is ConfigScalar { Kind: not ConfigScalarKind.Null } scalar)
        {
            result = scalar.Text;
            error = null;
            return true;
        }

        result = null;
        error = $"expected a string, got {value.Describe()}";
        return false;
    }

    public static bool TryReadInteger(ConfigValue value, out long result, [NotNullWhen(false)] out string? error)
    {
        result = 0;
        if (value is not ConfigScalar { Kind: ConfigScalarKind.Number or ConfigScalarKind.String } scalar)
        {
            error = $"expected a number, got {value.Describe()}";
            return false;
        }

        string text = scalar.Text.Trim();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
        {
            error = null;
            return true;
        }

        error = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $"expected a whole number, got {value.Describe()}"
            : $"expected a number, got {value.Describe()}";
        return false;
    }

    public static bool TryReadBoolean(ConfigValue value, out bool result, [NotNullWhen(false)] out string? error)
    {
        result = false;
        if (value is ConfigScalar { Kind: ConfigScalarKind.Boolean or ConfigScalarKind.String } scalar)
        {
            switch (scalar.Text.Trim().ToUpperInvariant())
            {
                case "TRUE" or "YES" or "ON":
                    result = true;
                    error = null;
                    return true;
                case "FALSE" or "NO" or "OFF":
                    error = null;
                    return true;
            }
        }

        error = $"expected a boolean (true or false), got {value.Describe()}";
        return false;
    }

    /// <summary>
    /// A duration: a number is milliseconds; a string may carry a unit (<c>10s</c>, <c>1500 ms</c>, <c>2 minutes</c>).
    /// </summary>
    public static bool TryReadDuration(ConfigValue value, out TimeSpan result, [NotNullWhen(false)] out string? error)
    {
        result = TimeSpan.Zero;
        error = $"expected a duration in milliseconds (or with a unit: ms, s, m, h), got {value.Describe()}";
        if (value is not ConfigScalar { Kind: ConfigScalarKind.Number or ConfigScalarKind.String } scalar)
        {
            return false;
        }

        string text = scalar.Text.Trim();
        int unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        double millisecondsPerUnit = text[unitStart..] switch
        {
            "" or "ms" or "millis" or "milliseconds" or "millisecond" => 1,
            "s" or "seconds" or "second" => 1000,
            "m" or "minutes" or "minute" => 60_000,
            "h" or "hours" or "hour" => 3_600_000,
            _ => double.NaN,
        };
        if (double.IsNaN(millisecondsPerUnit)
            || !double.TryParse(text[..unitStart].Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture, out double amount))
        {
            return false;
        }

        double milliseconds = amount * millisecondsPerUnit;
        if (double.IsNaN(milliseconds) || Math.Abs(milliseconds) > int.MaxValue)
        {
            error = $"the duration {value.Describe()} is out of range";
            return false;
        }

        result = TimeSpan.FromMilliseconds(Math.Round(milliseconds));
        error = null;
        return true;
    }
}
