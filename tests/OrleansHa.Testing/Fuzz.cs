using System.Collections.Concurrent;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace OrleansHa.Testing;

/// <summary>
/// Bad input for property tests (FsCheck): random bytes and text, and valid samples mutated (bytes flipped, ranges cut,
/// repeated or inserted, the end cut off), plus deep nesting, the input parsers are most likely to choke on.
/// <see cref="Check{T}"/> runs a property over them, each input bounded in time, and says how many were tried.
/// </summary>
public static class Fuzz
{
    /// <summary>How long one input may take before it counts as a hang.</summary>
    public static TimeSpan HangAfter { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Random bytes, or a sample mutated.</summary>
    public static Gen<byte[]> Bytes(IReadOnlyList<byte[]> samples) =>
        Gen.Frequency(
            (1, Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf()),
            (4, Gen.Elements(samples.ToArray()).SelectMany(sample => Mutated(sample, Gen.Choose(0, 255).Select(b => (byte)b)))));

    /// <summary>Random text over <paramref name="alphabet"/> and any character, a sample mutated, or one of the alphabet's characters nested deep.</summary>
    public static Gen<string> Text(IReadOnlyList<string> samples, string alphabet)
    {
        Gen<char> character = Gen.Frequency(
            (6, Gen.Elements(alphabet.ToCharArray())),
            (1, Gen.Choose(0, 0xD7FF).Select(c => (char)c)));
        return Gen.Frequency(
            (2, character.ArrayOf().Select(chars => new string(chars))),
            (6, Gen.Elements(samples.ToArray()).SelectMany(sample => Mutated(sample.ToCharArray(), character).Select(chars => new string(chars)))),
            (1, Gen.Elements(alphabet.ToCharArray()).SelectMany(c => Gen.Choose(1, 50_000).Select(n => new string(c, n)))));
    }

    /// <summary>
    /// Runs <paramref name="property"/> on <paramref name="count"/> inputs: it returns what became of the input (say
    /// "accepted" or "refused") and throws when that is wrong; an input that takes longer than <see cref="HangAfter"/>
    /// fails as a hang. FsCheck reports the first failing input. Returns a line with the counts, for the test output.
    /// </summary>
    public static string Check<T>(string what, Gen<T> inputs, int count, Func<T, string> property)
    {
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        Property checking = Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            Task<string> run = Task.Run(() => property(input));
            if (!run.Wait(HangAfter))
            {
                throw new TimeoutException($"{what}: an input took longer than {HangAfter.TotalSeconds} s: {Describe(input)}");
            }

            outcomes.AddOrUpdate(run.Result, 1, (_, n) => n + 1);
            return true;
        });
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true), checking);
        int tried = outcomes.Values.Sum();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{what}: {tried} inputs tried, {string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Value} {o.Key}"))}");
    }

    /// <summary>An input shortened for a failure message.</summary>
    public static string Describe<T>(T input) => input switch
    {
        string text => text.Length > 300 ? $"{text[..300]}... ({text.Length} chars)" : text,
        byte[] bytes => bytes.Length > 200 ? $"{Convert.ToHexString(bytes[..200])}... ({bytes.Length} bytes)" : Convert.ToHexString(bytes),
        _ => input?.ToString() ?? "null",
    };

    private static Gen<T[]> Mutated<T>(T[] sample, Gen<T> element) =>
        Gen.Choose(1, 4).SelectMany(steps => Step(sample, element, steps));

    private static Gen<T[]> Step<T>(T[] current, Gen<T> element, int steps) =>
        steps == 0
            ? Gen.Constant(current)
            : Edit(current, element).SelectMany(next => Step(next, element, steps - 1));

    /// <summary>One edit: replace one element, cut a range, insert random elements, repeat a range, or cut the end.</summary>
    private static Gen<T[]> Edit<T>(T[] current, Gen<T> element)
    {
        int length = current.Length;
        Gen<int> at = Gen.Choose(0, length);
        return Gen.OneOf(
            length == 0 ? Gen.Constant(current) : Gen.Choose(0, length - 1).SelectMany(i => element.Select(e => (T[])[.. current[..i], e, .. current[(i + 1)..]])),
            at.SelectMany(i => Gen.Choose(i, length).Select(j => (T[])[.. current[..i], .. current[j..]])),
            at.SelectMany(i => element.ArrayOf().Select(inserted => (T[])[.. current[..i], .. inserted, .. current[i..]])),
            at.SelectMany(i => Gen.Choose(i, Math.Min(length, i + 64)).SelectMany(j => Gen.Choose(2, 200).Select(n =>
                (T[])[.. current[..i], .. Enumerable.Repeat(current[i..j], n).SelectMany(r => r), .. current[j..]]))),
            at.Select(i => current[..i]));
    }
}
