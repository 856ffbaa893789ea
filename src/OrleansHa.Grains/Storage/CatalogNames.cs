namespace OrleansHa.Grains.Storage;

/// <summary>Rules for space names and entry keys.</summary>
internal static class CatalogNames
{
    /// <summary>Longest name, in UTF-16 code units.</summary>
    internal const int MaxLength = 255;

    /// <summary>Throws <see cref="ArgumentException"/> (naming <paramref name="parameterName"/>) unless the name is non-empty, at most 255 characters and free of control characters.</summary>
    internal static void Validate(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (name.Length == 0)
        {
            throw new ArgumentException($"The {parameterName} must not be empty.", parameterName);
        }

        if (name.Length > MaxLength)
        {
            throw new ArgumentException($"The {parameterName} is {name.Length} characters long; at most {MaxLength} are allowed.", parameterName);
        }

        var control = -1;
        for (var i = 0; i < name.Length && control < 0; i++)
        {
            if (char.IsControl(name[i]))
            {
                control = i;
            }
        }

        if (control >= 0)
        {
            throw new ArgumentException(
                $"The {parameterName} contains a control character (U+{(int)name[control]:X4}) at position {control}.", parameterName);
        }
    }
}
