namespace OrleansHa.ZooKeeper;

/// <summary>ZooKeeper's path rules (PathUtils.validatePath) and small helpers for building paths.</summary>
public static class ZooKeeperPath
{
    /// <summary>Throws <see cref="InvalidPathException"/> naming the rule <paramref name="path"/> breaks.</summary>
    /// <param name="path">The path to check.</param>
    /// <param name="isSequential">A sequential create may end with '/': the server appends the sequence number.</param>
    public static void Validate(string? path, bool isSequential = false)
    {
        string? problem = FindProblem(path, isSequential);
        if (problem is not null)
        {
            throw new InvalidPathException($"Invalid ZooKeeper path '{path}': {problem}.");
        }
    }

    /// <summary>Joins a parent path and a child name.</summary>
    public static string Combine(string parent, string child) => parent == "/" ? "/" + child : parent + "/" + child;

    /// <summary>The parent of <paramref name="path"/>; "/" for a top-level node.</summary>
    public static string GetParent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The last segment of <paramref name="path"/>.</summary>
    public static string GetName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string? FindProblem(string? path, bool isSequential)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "a path must not be empty";
        }

        if (path[0] != '/')
        {
            return "a path must start with '/'";
        }

        if (path.Length == 1)
        {
            return null;
        }

        if (path[^1] == '/' && !isSequential)
        {
            return "a path must not end with '/'";
        }

        char previous = '/';
        for (int i = 1; i < path.Length; i++)
        {
            char c = path[i];
            if (c == '\0')
            {
                return $"null character at index {i}";
            }

            if (c == '/' && previous == '/')
            {
                return $"empty segment at index {i}";
            }

            if (c == '.' && previous == '.' && path[i - 2] == '/' && (i + 1 == path.Length || path[i + 1] == '/'))
            {
                return $"relative segment '..' at index {i - 1}";
            }

            if (c == '.' && previous == '/' && (i + 1 == path.Length || path[i + 1] == '/'))
            {
                return $"relative segment '.' at index {i}";
            }

            if (c is (> '\u0000' and <= '\u001f') or (>= '\u007f' and <= '\u009f') or (>= '\ud800' and <= '\uf8ff') or (>= '\ufff0' and <= '\uffff'))
            {
                return $"invalid character U+{(int)c:X4} at index {i}";
            }

            previous = c;
        }

        return null;
    }
}
