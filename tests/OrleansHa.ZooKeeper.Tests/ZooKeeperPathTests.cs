namespace OrleansHa.ZooKeeper.Tests;

/// <summary>ZooKeeper's path rules (PathUtils.validatePath, reference §6.6) and the path helpers.</summary>
public sealed class ZooKeeperPathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/a/b/c")]
    [InlineData("/a..b")]
    [InlineData("/.a")]
    [InlineData("/a.")]
    [InlineData("/..a")]
    [InlineData("/a/...")]
    [InlineData("/a/.b/c.")]
    [InlineData("/zookeeper/config")]
    [InlineData("/ünïcødé/日本語")]
    [InlineData("/a b/c-d_e:f@g")]
    [InlineData("/\u00a0")]
    [InlineData("/\uf900")]
    [InlineData("/\uffef")]
    public void Valid_paths_are_accepted(string path)
    {
        ZooKeeperPath.Validate(path);
        ZooKeeperPath.Validate(path, isSequential: true);
    }

    [Theory]
    [InlineData("/a/")]
    [InlineData("/a/b-")]
    [InlineData("/")]
    public void Sequential_paths_may_end_with_a_slash(string path)
    {
        ZooKeeperPath.Validate(path, isSequential: true);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Empty_is_rejected(string? path)
    {
        AssertRejected(path, "must not be empty");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a/b")]
    [InlineData(" /a")]
    [InlineData("./a")]
    public void Relative_is_rejected(string path)
    {
        AssertRejected(path, "must start with '/'");
    }

    [Theory]
    [InlineData("/a/")]
    [InlineData("//")]
    [InlineData("/a/b/")]
    public void Trailing_slash_is_rejected_unless_sequential(string path)
    {
        AssertRejected(path, "must not end with '/'");
    }

    [Theory]
    [InlineData("//a", "index 1")]
    [InlineData("/a//b", "index 3")]
    public void Empty_segment_is_rejected(string path, string where)
    {
        InvalidPathException ex = AssertRejected(path, "empty segment");
        Assert.Contains(where, ex.Message, StringComparison.Ordinal);

        // The sequential allowance for a trailing '/' does not excuse an empty segment.
        Assert.Throws<InvalidPathException>(() => ZooKeeperPath.Validate(path, isSequential: true));
    }

    [Fact]
    public void Sequential_path_ending_in_an_empty_segment_is_rejected()
    {
        var ex = Assert.Throws<InvalidPathException>(() => ZooKeeperPath.Validate("/a//", isSequential: true));

        Assert.Contains("empty segment at index 3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/.")]
    [InlineData("/a/.")]
    [InlineData("/a/./b")]
    [InlineData("/./a")]
    public void Dot_segment_is_rejected(string path)
    {
        AssertRejected(path, "relative segment '.'");
    }

    [Theory]
    [InlineData("/..")]
    [InlineData("/a/..")]
    [InlineData("/a/../b")]
    [InlineData("/../a")]
    public void Dot_dot_segment_is_rejected(string path)
    {
        AssertRejected(path, "relative segment '..'");
    }

    [Theory]
    [InlineData("/\0")]
    [InlineData("/a\0b")]
    public void Null_character_is_rejected(string path)
    {
        AssertRejected(path, "null character");
    }

    [Theory]
    [InlineData("/a\u0001", "U+0001")]
    [InlineData("/a\tb", "U+0009")]
    [InlineData("/a\nb", "U+000A")]
    [InlineData("/\u001f", "U+001F")]
    [InlineData("/\u007f", "U+007F")]
    [InlineData("/\u0080", "U+0080")]
    [InlineData("/\u009f", "U+009F")]
    public void Control_characters_are_rejected(string path, string character)
    {
        InvalidPathException ex = AssertRejected(path, "invalid character");
        Assert.Contains(character, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Surrogates_and_private_use_characters_are_rejected()
    {
        // Lone surrogates cannot travel through attribute arguments (UTF-8 in metadata), so they are listed here.
        (string Path, string Character)[] cases =
        [
            ("/\ud800", "U+D800"),
            ("/a\udbff", "U+DBFF"),
            ("/a\udc00b", "U+DC00"),
            ("/a\udfff", "U+DFFF"),
            ("/\ue000", "U+E000"),
            ("/\uf8ff", "U+F8FF"),
        ];
        foreach ((string path, string character) in cases)
        {
            InvalidPathException ex = AssertRejected(path, "invalid character");
            Assert.Contains(character, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Emoji_as_a_surrogate_pair_is_rejected()
    {
        AssertRejected("/😀", "invalid character U+D83D");
    }

    [Theory]
    [InlineData("/\ufff0", "U+FFF0")]
    [InlineData("/a\ufffd", "U+FFFD")]
    [InlineData("/\uffff", "U+FFFF")]
    public void Specials_block_is_rejected(string path, string character)
    {
        InvalidPathException ex = AssertRejected(path, "invalid character");
        Assert.Contains(character, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exception_names_the_path_and_is_an_argument_exception()
    {
        InvalidPathException ex = AssertRejected("/a//b", "empty segment");

        Assert.Contains("'/a//b'", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(ex);
    }

    [Theory]
    [InlineData("/", "a", "/a")]
    [InlineData("/a", "b", "/a/b")]
    [InlineData("/a/b", "c-0000000001", "/a/b/c-0000000001")]
    public void Combine_joins_parent_and_child(string parent, string child, string expected)
    {
        Assert.Equal(expected, ZooKeeperPath.Combine(parent, child));
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a", "/")]
    [InlineData("/a/b", "/a")]
    [InlineData("/a/b/c", "/a/b")]
    public void GetParent_returns_the_parent(string path, string parent)
    {
        Assert.Equal(parent, ZooKeeperPath.GetParent(path));
    }

    [Theory]
    [InlineData("/", "")]
    [InlineData("/a", "a")]
    [InlineData("/a/b", "b")]
    [InlineData("/a/lock-0000000003", "lock-0000000003")]
    public void GetName_returns_the_last_segment(string path, string name)
    {
        Assert.Equal(name, ZooKeeperPath.GetName(path));
    }

    [Theory]
    [InlineData("/a", "b")]
    [InlineData("/x/y", "z")]
    public void Combine_GetParent_and_GetName_agree(string parent, string child)
    {
        string path = ZooKeeperPath.Combine(parent, child);

        Assert.Equal(parent, ZooKeeperPath.GetParent(path));
        Assert.Equal(child, ZooKeeperPath.GetName(path));
        ZooKeeperPath.Validate(path);
    }

    private static InvalidPathException AssertRejected(string? path, string rule)
    {
        var ex = Assert.Throws<InvalidPathException>(() => ZooKeeperPath.Validate(path));
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        return ex;
    }
}
