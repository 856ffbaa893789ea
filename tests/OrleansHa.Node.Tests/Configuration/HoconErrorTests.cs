using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

/// <summary>Every malformed file gives a <see cref="ConfigurationException"/> naming the file and the right line.</summary>
public sealed class HoconErrorTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("a {\n  b: 1\n", 1, "never closed")]
    [InlineData("x: 1\nouter {\n  inner {\n    b: 1\n  }\n", 2, "never closed")]
    [InlineData("{\n a: 1\n", 1, "never closed")]
    [InlineData("a: [1,\n2\n", 1, "never closed")]
    [InlineData("a: 1\nb: \"abc\nc: 2\n", 2, "unclosed string")]
    [InlineData("a: \"abc", 1, "unclosed string")]
    [InlineData("a: \"abc\\", 1, "unclosed string")]
    [InlineData("a: 1\n\nb: \"x\\qy\"\n", 3, "invalid escape '\\q'")]
    [InlineData("b: \"\\u12G4\"\n", 1, "invalid escape '\\u12'")]
    [InlineData("a: 1\nb:\nc: 3\n", 2, "missing value after ':'")]
    [InlineData("a =", 1, "missing value after '='")]
    [InlineData("a: # nothing here\nb: 1\n", 1, "missing value")]
    [InlineData("a { b: }\n", 1, "missing value")]
    [InlineData("a: [1, , 2]\n", 1, "unexpected ','")]
    [InlineData("a: 1,,b: 2\n", 1, "unexpected ','")]
    [InlineData("a: 1\n%%%\n", 2, "expected ':', '=' or '{' after the key")]
    [InlineData("a: 1\nb: @@\n", 2, "unexpected '@'")]
    [InlineData("a: 1\n}\n", 2, "unexpected '}'")]
    [InlineData("{ a: 1 }\nb: 2\n", 2, "after the '}' that closes the root object")]
    [InlineData("[1, 2]\n", 1, "must be an object")]
    [InlineData("a: 1 ]\n", 1, "expected ',' or a new line")]
    [InlineData("zookeeper: zk1:2181\n", 1, "quote strings that contain ':'")]
    [InlineData("a: ${b\nc: 1\n", 1, "unclosed substitution")]
    [InlineData("a: ${}\n", 1, "empty substitution")]
    [InlineData("a: ${b c}\n", 1, "unexpected ' ' in a substitution")]
    [InlineData("a: 1\na: $x\n", 2, "'$' must start a substitution")]
    [InlineData("a..b: 1\n", 1, "empty part between dots")]
    [InlineData(".a: 1\n", 1, "empty part between dots")]
    [InlineData("a.: 1\n", 1, "empty part between dots")]
    [InlineData("\n\ninclude \"other.conf\"\n", 3, "'include' is not supported")]
    [InlineData("a += 1\n", 1, "'+=' is not supported")]
    [InlineData("a: x\u0001y\n", 1, "U+0001")]
    [InlineData("a: \"x\u0001y\"\n", 1, "U+0001")]
    [InlineData(": 1\n", 1, "expected a key")]
    [InlineData("a: \"\"\"never closed\n\n", 1, "triple-quoted string on line 1 is never closed")]
    [InlineData("a: [1] x\n", 1, "cannot join an array")]
    public void Malformed_input_is_reported_at_its_line(string text, int line, string detail)
    {
        string path = _files.Write(text);
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => HoconConfig.Load(path, ConfigFiles.NoEnvironment));
        Assert.Equal(path, ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Single(ex.Problems);
    }

    [Fact]
    public void The_message_names_file_line_and_key()
    {
        string path = _files.Write("services {\n  fabric {\n    port:\n  }\n}\n");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => HoconConfig.Load(path, ConfigFiles.NoEnvironment));
        Assert.Equal($"{path}:3: key 'services.fabric.port': missing value after ':'", ex.Message);
        Assert.Equal("services.fabric.port", ex.Key);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        string path = Path.Combine(_files.Directory, "absent.conf");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => HoconConfig.Load(path, ConfigFiles.NoEnvironment));
        Assert.Equal(path, ex.File);
        Assert.Null(ex.Line);
        Assert.Equal($"{path}: the configuration file does not exist", ex.Message);
    }

    [Fact]
    public void A_directory_is_not_a_file()
    {
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => HoconConfig.Load(_files.Directory, ConfigFiles.NoEnvironment));
        Assert.Equal(_files.Directory, ex.File);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("{a:")]
    [InlineData("{a.b.c ")]
    public void Deep_nesting_is_an_error_not_a_stack_overflow(string open)
    {
        ConfigurationException ex = _files.ParseError("a: " + string.Concat(Enumerable.Repeat(open, 100_000)));
        Assert.Equal(1, ex.Line);
        Assert.Contains("levels deep", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_very_long_dotted_key_is_an_error_not_a_stack_overflow()
    {
        ConfigurationException ex = _files.ParseError(string.Join('.', Enumerable.Repeat("k", 50_000)) + ": 1\n");
        Assert.Contains("levels deep", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Cut a realistic file short at every character, and corrupt it at random: each result either loads or throws
    /// <see cref="ConfigurationException"/>, never anything else, and never hangs.
    /// </summary>
    [Fact]
    public void Truncated_or_corrupted_files_only_ever_throw_configuration_exceptions()
    {
        string text = SampleConfigTests.ArchitectureSample + "extra = [1, \"two\", { three: ${paths.local} }]\nmore: \"\"\"raw\"\"\" // done\n";
        var inputs = new List<string>();
        for (int length = 0; length <= text.Length; length++)
        {
            inputs.Add(text[..length]);
        }

        var random = new Random(12345);
        const string Alphabet = "{}[]:=,\"\\$?#/ \n\tax1.-+";
        for (int i = 0; i < 2_000; i++)
        {
            char[] chars = text.ToCharArray();
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
            }

            inputs.Add(new string(chars));
        }

        string path = _files.Write(string.Empty);
        foreach (string input in inputs)
        {
            File.WriteAllText(path, input);
            try
            {
                NodeConfiguration.Load(path, ConfigFiles.NoEnvironment, []);
            }
            catch (ConfigurationException ex)
            {
                Assert.NotEmpty(ex.Problems);
            }
        }
    }
}
