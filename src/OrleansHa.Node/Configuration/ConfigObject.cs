using System.Diagnostics.CodeAnalysis;

namespace OrleansHa.Node.Configuration;

/// <summary>
/// A HOCON object: fields in the order first written. Immutable once built; merging makes new objects and shares the
/// untouched subtrees.
/// </summary>
internal sealed class ConfigObject : ConfigValue
{
    private readonly OrderedDictionary<string, ConfigValue> _fields;

    public ConfigObject(IEnumerable<KeyValuePair<string, ConfigValue>> fields, ConfigOrigin origin)
        : base(origin)
    {
        _fields = new OrderedDictionary<string, ConfigValue>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, ConfigValue> field in fields)
        {
            _fields[field.Key] = field.Value;
        }
    }

    public static ConfigObject Empty(ConfigOrigin origin) => new([], origin);

    public int Count => _fields.Count;

    public IReadOnlyList<string> Keys => _fields.Keys;

    public IEnumerable<KeyValuePair<string, ConfigValue>> Fields => _fields;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out ConfigValue value) => _fields.TryGetValue(key, out value);

    public override string Describe() => "an object";

    /// <summary>The value at <paramref name="path"/> in a resolved tree, or null when any step is missing or not an object.</summary>
    public ConfigValue? Find(IReadOnlyList<string> path)
    {
        ConfigValue current = this;
        foreach (string segment in path)
        {
            if (current is not ConfigObject obj || !obj.TryGetValue(segment, out ConfigValue? child))
            {
                return null;
            }

            current = child;
        }

        return current;
    }

    /// <summary><c>a.b.c = leaf</c> as the objects <c>{ a { b { c = leaf } } }</c>, all with <paramref name="origin"/>.</summary>
    public static ConfigObject Nest(IReadOnlyList<string> path, ConfigValue leaf, ConfigOrigin origin)
    {
        if (path.Count == 0)
        {
            throw new ArgumentException("A path has at least one segment.", nameof(path));
        }

        ConfigValue value = leaf;
        for (int i = path.Count - 1; i >= 0; i--)
        {
            value = new ConfigObject([new KeyValuePair<string, ConfigValue>(path[i], value)], origin);
        }

        return (ConfigObject)value;
    }

    /// <summary>
    /// <paramref name="higher"/> merged over <paramref name="lower"/>, as when the same key is written twice: objects
    /// merge field by field, anything else in <paramref name="higher"/> wins.
    /// </summary>
    public static ConfigObject Merge(ConfigObject lower, ConfigObject higher)
    {
        var fields = new OrderedDictionary<string, ConfigValue>(lower._fields, StringComparer.Ordinal);
        foreach (KeyValuePair<string, ConfigValue> field in higher._fields)
        {
            fields[field.Key] = fields.TryGetValue(field.Key, out ConfigValue? existing)
                ? MergeValues(existing, field.Value)
                : field.Value;
        }

        return new ConfigObject(fields, higher.Origin);
    }

    /// <summary>
    /// The value of a key written first as <paramref name="lower"/> and again as <paramref name="higher"/>. When either
    /// side is not resolved yet, the decision waits for resolution (<see cref="ConfigDelayedMerge"/>): an optional
    /// substitution that turns out undefined keeps the lower value, and one that turns out an object merges with it.
    /// </summary>
    public static ConfigValue MergeValues(ConfigValue lower, ConfigValue higher)
    {
        if (higher is ConfigObject higherObject)
        {
            return lower switch
            {
                ConfigObject lowerObject => Merge(lowerObject, higherObject),
                ConfigUnresolved => ConfigDelayedMerge.Of(lower, higher),
                _ => higher,
            };
        }

        return higher is ConfigUnresolved ? ConfigDelayedMerge.Of(lower, higher) : higher;
    }
}
