using System.Collections.ObjectModel;
using System.Text.RegularExpressions;

namespace OrleansHa.Engine;

/// <summary>
/// What one query may use: the directories it may read, its memory, time and threads, where it may spill, and the views
/// it may name. See <see cref="SandboxedDuckDb"/> for how each is enforced.
/// </summary>
public sealed partial record QuerySandbox
{
    private readonly IReadOnlyList<string> _allowedDirectories = [];
    private readonly string _memoryLimit = "256MB";
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);
    private readonly int _threads = 1;
    private readonly string? _tempDirectory;
    private readonly IReadOnlyDictionary<string, string> _views = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>
    /// The directories whose files (and subdirectories) the query may read: absolute paths, stored normalised
    /// (symbolic links in the path resolved, ending with a slash) as DuckDB wants them. Empty: no file at all.
    /// </summary>
    public IReadOnlyList<string> AllowedDirectories
    {
        get => _allowedDirectories;
        init => _allowedDirectories = (value ?? throw new ArgumentNullException(nameof(value)))
            .Select(NormalizeDirectory)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>DuckDB's <c>memory_limit</c> for the query, e.g. "256MB" or "1GiB".</summary>
    public string MemoryLimit
    {
        get => _memoryLimit;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!MemorySize().IsMatch(value))
            {
                throw new ArgumentException($"Memory limit '{value}' is not a size such as 256MB or 1GiB.", nameof(value));
            }

            _memoryLimit = value.Replace(" ", string.Empty, StringComparison.Ordinal);
        }
    }

    /// <summary>How long the query may run, from the start of the enumeration to its last batch.</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        init
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must be positive and below 24 days.");
            }

            _timeout = value;
        }
    }

    /// <summary>DuckDB worker threads for the query (at least 1).</summary>
    public int Threads
    {
        get => _threads;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _threads = value;
        }
    }

    /// <summary>
    /// Where the query may spill to disk when its memory is short (each query gets its own subdirectory, removed
    /// afterwards), or null: no spilling, a query that does not fit in <see cref="MemoryLimit"/> fails.
    /// </summary>
    public string? TempDirectory
    {
        get => _tempDirectory;
        init
        {
            if (value is not null && !Path.IsPathFullyQualified(value))
            {
                throw new ArgumentException($"Temp directory '{value}' is not an absolute path.", nameof(value));
            }

            _tempDirectory = value;
        }
    }

    /// <summary>
    /// Views created in the query's database before it runs (kept there for the next query if the database is pooled), so that a query can name a source instead of
    /// its files: view name to the SELECT it stands for (for example <c>SELECT * FROM read_parquet('/data/sales/**/*.parquet')</c>).
    /// Each SELECT runs inside the sandbox like the query itself, and must pass the same checks (one statement that reads).
    /// </summary>
    public IReadOnlyDictionary<string, string> Views
    {
        get => _views;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var (name, select) in value)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(value));
                ArgumentException.ThrowIfNullOrWhiteSpace(select, nameof(value));
            }

            _views = value;
        }
    }

    /// <summary>What the query's database is set up with: queries with equal settings can share a pooled database.</summary>
    internal SandboxSettings Settings => new(AllowedDirectories, MemoryLimit, Threads, TempDirectory);

    /// <summary>
    /// <paramref name="directory"/> as DuckDB's <c>allowed_directories</c> wants it: absolute, every symbolic link on
    /// the way resolved (DuckDB resolves them in the paths a query names too), ".." and "." applied, one slash at the
    /// end (without it, "/data/sales" would also allow "/data/sales-archive").
    /// </summary>
    public static string NormalizeDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Path.IsPathFullyQualified(directory))
        {
            throw new ArgumentException($"Allowed directory '{directory}' is not an absolute path.", nameof(directory));
        }

        var resolved = ResolveLinks(directory);
        return resolved.EndsWith(Path.DirectorySeparatorChar) ? resolved : resolved + Path.DirectorySeparatorChar;
    }

    // realpath(3) without requiring the path to exist: components are taken one at a time, a symbolic link is
    // replaced by its target (relative targets against the link's directory) and "..", after it, goes to the parent of
    // what the link resolved to, as the kernel would. A part that does not exist is kept as written.
    private static string ResolveLinks(string path)
    {
        const int MaxLinks = 40; // Linux's own limit
        var root = Path.GetPathRoot(path)!;
        var pending = new LinkedList<string>(Split(path, root));
        var current = root;
        var links = 0;
        while (pending.First is { } first)
        {
            var part = first.Value;
            pending.RemoveFirst();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }

            var candidate = Path.Join(current, part);
            var target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                current = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"Too many levels of symbolic links resolving '{path}'.");
            }

            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
                root = current;
            }

            foreach (var targetPart in Split(target, Path.GetPathRoot(target) ?? string.Empty).Reverse())
            {
                pending.AddFirst(targetPart);
            }
        }

        return current;
    }

    private static string[] Split(string path, string root) =>
        path[root.Length..].Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar],
            StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MemorySize();
}
