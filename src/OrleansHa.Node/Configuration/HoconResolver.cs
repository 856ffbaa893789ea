using System.Globalization;
using System.Text;

namespace OrleansHa.Node.Configuration;

/// <summary>
/// Replaces every substitution in a merged configuration tree, giving a tree of objects, arrays and scalars only.
/// </summary>
/// <remarks>
/// <c>${a.b}</c> is looked up from the root of the whole merged tree (so a default such as
/// <c>paths.db = ${paths.local}"/db"</c> follows the user's <c>paths.local</c>); when the tree has no such key, the
/// environment variable named by the path as written (<c>a.b</c>) is used as a string. An undefined <c>${?x}</c>
/// vanishes: the field is not set (an earlier value of the same key stays), an array element is dropped, and in a
/// concatenation it counts as nothing. An undefined <c>${x}</c> and a cycle are errors naming the line of the
/// substitution. Self-references (<c>path: ${path}":/x"</c>) are cycles here.
/// </remarks>
internal sealed class HoconResolver
{
    /// <summary>How deeply resolution may recurse (nesting plus chained substitutions) before giving up.</summary>
    public const int MaxDepth = 1000;

    private readonly ConfigObject _root;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Dictionary<ConfigValue, ConfigValue?> _resolved = new(ReferenceEqualityComparer.Instance);
    private readonly List<(ConfigValue Value, string Key)> _stack = [];

    private HoconResolver(ConfigObject root, IReadOnlyDictionary<string, string> environment)
    {
        _root = root;
        _environment = environment;
    }

    /// <summary>Resolves <paramref name="root"/> against itself and then <paramref name="environment"/>.</summary>
    public static ConfigObject Resolve(ConfigObject root, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(environment);
        var resolver = new HoconResolver(root, environment);
        return (ConfigObject)resolver.ResolveValue(root, string.Empty)!;
    }

    /// <summary>The resolved value, or null when it is an undefined optional substitution (or made only of them).</summary>
    private ConfigValue? ResolveValue(ConfigValue value, string key)
    {
        if (value is ConfigScalar)
        {
            return value;
        }

        if (_resolved.TryGetValue(value, out ConfigValue? done))
        {
            return done;
        }

        int cycleStart = _stack.FindIndex(entry => ReferenceEquals(entry.Value, value));
        if (cycleStart >= 0)
        {
            throw Cycle(cycleStart, key);
        }

        if (_stack.Count >= MaxDepth)
        {
            throw Problem(value.Origin, key,
                $"the configuration nests, or its substitutions chain, more than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels deep");
        }

        _stack.Add((value, key));
        ConfigValue? result = value switch
        {
            ConfigObject obj => ResolveObject(obj, key),
            ConfigArray array => ResolveArray(array, key),
            ConfigSubstitution substitution => ResolveSubstitution(substitution, key),
            ConfigConcatenation concatenation => ResolveConcatenation(concatenation, key),
            ConfigDelayedMerge merge => ResolveDelayedMerge(merge, key),
            _ => throw new InvalidOperationException($"Unexpected {value.GetType().Name} outside a concatenation."),
        };
        _stack.RemoveAt(_stack.Count - 1);

        _resolved[value] = result;
        if (result is not null)
        {
            _resolved[result] = result;
        }

        return result;
    }

    private ConfigObject ResolveObject(ConfigObject obj, string key)
    {
        var fields = new List<KeyValuePair<string, ConfigValue>>(obj.Count);
        foreach (KeyValuePair<string, ConfigValue> field in obj.Fields)
        {
            ConfigValue? resolved = ResolveValue(field.Value, ConfigPath.Append(key, field.Key));
            if (resolved is not null)
            {
                fields.Add(new KeyValuePair<string, ConfigValue>(field.Key, resolved));
            }
        }

        return new ConfigObject(fields, obj.Origin);
    }

    private ConfigArray ResolveArray(ConfigArray array, string key)
    {
        var items = new List<ConfigValue>(array.Items.Count);
        foreach (ConfigValue item in array.Items)
        {
            ConfigValue? resolved = ResolveValue(item, key);
            if (resolved is not null)
            {
                items.Add(resolved);
            }
        }

        return new ConfigArray(items, array.Origin);
    }

    private ConfigValue? ResolveSubstitution(ConfigSubstitution substitution, string key)
    {
        ConfigValue? found = Lookup(substitution.Path);
        if (found is not null)
        {
            return found;
        }

        string variable = substitution.PathText;
        if (_environment.TryGetValue(variable, out string? text))
        {
            return ConfigScalar.String(text, substitution.Origin);
        }

        if (substitution.Optional)
        {
            return null;
        }

        throw Problem(substitution.Origin, KeyOrNull(key),
            $"substitution {substitution.Expression} is undefined: there is no such key in the configuration and no environment variable {variable}");
    }

    /// <summary>The resolved value at <paramref name="path"/> from the root, resolving whatever lies on the way.</summary>
    private ConfigValue? Lookup(IReadOnlyList<string> path)
    {
        ConfigValue current = _root;
        string key = string.Empty;
        foreach (string segment in path)
        {
            if (current is not ConfigObject)
            {
                // Objects are walked into without resolving them whole, so that a field may refer to its siblings.
                current = ResolveValue(current, key) ?? current;
            }

            if (current is not ConfigObject obj || !obj.TryGetValue(segment, out ConfigValue? child))
            {
                return null;
            }

            current = child;
            key = ConfigPath.Append(key, segment);
        }

        return ResolveValue(current, key);
    }

    private ConfigValue? ResolveConcatenation(ConfigConcatenation concatenation, string key)
    {
        var parts = new List<ConfigValue>(concatenation.Parts.Count);
        foreach (ConfigValue part in concatenation.Parts)
        {
            ConfigValue? resolved = part is ConfigWhitespace ? part : ResolveValue(part, key);
            if (resolved is not null)
            {
                parts.Add(resolved);
            }
        }

        List<ConfigValue> values = [.. parts.Where(p => p is not ConfigWhitespace)];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count == 1)
        {
            return values[0];
        }

        if (values.All(v => v is ConfigObject))
        {
            return values.Cast<ConfigObject>().Aggregate(ConfigObject.Merge);
        }

        if (values.All(v => v is ConfigArray))
        {
            return new ConfigArray([.. values.Cast<ConfigArray>().SelectMany(a => a.Items)], concatenation.Origin);
        }

        ConfigValue? structured = values.FirstOrDefault(v => v is ConfigObject or ConfigArray);
        if (structured is not null)
        {
            throw Problem(concatenation.Origin, KeyOrNull(key),
                $"cannot join {structured.Describe()} with other values on one line ({concatenation.Describe()}); only strings join with strings, objects with objects and arrays with arrays");
        }

        var text = new StringBuilder();
        foreach (ConfigValue part in parts)
        {
            text.Append(part switch
            {
                ConfigWhitespace whitespace => whitespace.Text,
                ConfigScalar scalar => scalar.Text,
                _ => throw new InvalidOperationException("Unexpected part in a concatenation."),
            });
        }

        return ConfigScalar.String(text.ToString(), concatenation.Origin);
    }

    private ConfigValue? ResolveDelayedMerge(ConfigDelayedMerge merge, string key)
    {
        // From the highest layer down: the first defined value wins, and objects merge with the objects below them.
        ConfigValue? result = null;
        for (int i = merge.Layers.Count - 1; i >= 0; i--)
        {
            ConfigValue? layer = ResolveValue(merge.Layers[i], key);
            if (layer is null)
            {
                continue;
            }

            if (result is null)
            {
                result = layer;
            }
            else if (layer is ConfigObject lower)
            {
                result = ConfigObject.Merge(lower, (ConfigObject)result);
            }
            else
            {
                break;
            }

            if (result is not ConfigObject)
            {
                break;
            }
        }

        return result;
    }

    private ConfigurationException Cycle(int start, string key)
    {
        var steps = new List<string>();
        for (int i = start; i < _stack.Count; i++)
        {
            if (_stack[i].Value is ConfigSubstitution substitution)
            {
                steps.Add($"{Display(_stack[i].Key)} = {substitution.Expression}");
            }
        }

        steps.Add(Display(key));
        ConfigValue last = _stack.Last(entry => entry.Value is ConfigSubstitution).Value;
        string lastKey = _stack.Last(entry => entry.Value is ConfigSubstitution).Key;
        return Problem(last.Origin, KeyOrNull(lastKey), "substitution cycle: " + string.Join(" -> ", steps));
    }

    private static string Display(string key) => key.Length == 0 ? "(root)" : key;

    private static string? KeyOrNull(string key) => key.Length == 0 ? null : key;

    private static ConfigurationException Problem(ConfigOrigin origin, string? key, string detail) =>
        new(new ConfigurationProblem(origin, key, detail));
}
