using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

public sealed class HoconParserTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Nested_objects()
    {
        HoconConfig config = _files.Parse("a {\n  b {\n    c: 1\n  }\n  d: 2\n}\n");
        Assert.Equal(1, config.GetInt("a.b.c"));
        Assert.Equal(2, config.GetInt("a.d"));
    }

    [Fact]
    public void Dotted_keys_nest_and_merge_with_braced_objects()
    {
        HoconConfig config = _files.Parse("a.b.c: 1\na { b { d: 2 } }\na.e = 3\n");
        Assert.Equal(1, config.GetInt("a.b.c"));
        Assert.Equal(2, config.GetInt("a.b.d"));
        Assert.Equal(3, config.GetInt("a.e"));
        Assert.Equal(["b", "e"], config.GetObject("a").Keys);
    }

    [Fact]
    public void Colon_equals_and_no_separator_before_a_brace()
    {
        HoconConfig config = _files.Parse("a: 1\nb = 2\nc { d: 3 }\ne={f=4}\ng : 5\n");
        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b"));
        Assert.Equal(3, config.GetInt("c.d"));
        Assert.Equal(4, config.GetInt("e.f"));
        Assert.Equal(5, config.GetInt("g"));
    }

    [Fact]
    public void Fields_are_separated_by_new_lines_or_commas_with_an_optional_trailing_comma()
    {
        HoconConfig config = _files.Parse("a: 1, b: 2\nc { x: 1, y: 2, }\n\n\nd: 4,\n");
        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2, config.GetInt("b"));
        Assert.Equal(2, config.GetInt("c.y"));
        Assert.Equal(4, config.GetInt("d"));
    }

    [Fact]
    public void Hash_and_slash_comments_anywhere_a_line_can_end()
    {
        HoconConfig config = _files.Parse("""
            # a comment
            // another
            a: 1 # after a value
            b: "x // not a comment # nor this" // but this is
            c { # after a brace
              d: 2 // inside
            } # after a closing brace
            e: [1, # in an array
                2]
            """);
        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal("x // not a comment # nor this", config.GetString("b"));
        Assert.Equal(2, config.GetInt("c.d"));
        Assert.Equal(2, config.GetList("e").Count);
    }

    [Fact]
    public void Quoted_strings_with_json_escapes()
    {
        HoconConfig config = _files.Parse("""a: "q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9 end" """);
        Assert.Equal("q\" b\\ s/ \b\f\n\r\t A\u00e9 end", config.GetString("a"));
    }

    [Fact]
    public void Unquoted_strings_run_to_the_end_of_the_value()
    {
        HoconConfig config = _files.Parse("a: hello world   \nb: /var/lib/orleans-ha # comment\nc: 10 seconds\nd: a.b-c_d\n");
        Assert.Equal("hello world", config.GetString("a"));
        Assert.Equal("/var/lib/orleans-ha", config.GetString("b"));
        Assert.Equal("10 seconds", config.GetString("c"));
        Assert.Equal("a.b-c_d", config.GetString("d"));
    }

    [Fact]
    public void Triple_quoted_strings_are_raw_and_may_span_lines()
    {
        HoconConfig config = _files.Parse("a: \"\"\"line \\n one\nline \"two\"\"\"\"\nb: 1\n");
        Assert.Equal("line \\n one\nline \"two\"", config.GetString("a"));
        Assert.Equal(1, config.GetInt("b"));
        Assert.Equal(3, config.Find("b")!.Origin.Line);
    }

    [Fact]
    public void Numbers_booleans_and_null()
    {
        HoconConfig config = _files.Parse("i: 42\nn: -7\nf: 2.5\ne: 1e3\nt: true\nfa: false\nnu: null\ns: \"true\"\nz: 007\n");
        Assert.Equal(42, config.GetInt("i"));
        Assert.Equal(-7, config.GetInt("n"));
        Assert.Equal(ConfigScalarKind.Number, Scalar(config, "f").Kind);
        Assert.Equal("2.5", Scalar(config, "f").Text);
        Assert.Equal(ConfigScalarKind.Number, Scalar(config, "e").Kind);
        Assert.True(config.GetBoolean("t"));
        Assert.False(config.GetBoolean("fa"));
        Assert.Equal(ConfigScalarKind.Null, Scalar(config, "nu").Kind);
        Assert.Equal(ConfigScalarKind.String, Scalar(config, "s").Kind);
        Assert.True(config.GetBoolean("s"));
        Assert.Equal(ConfigScalarKind.String, Scalar(config, "z").Kind);
    }

    [Fact]
    public void Quoted_keys_keep_their_dots()
    {
        HoconConfig config = _files.Parse("\"a.b\": 1\nc.\"d.e\".f: 2\n\"\" : 3\n\"with space\" = 4\n");
        Assert.True(config.Root.TryGetValue("a.b", out _));
        Assert.Equal(1, config.GetInt("\"a.b\""));
        Assert.Equal(2, config.GetInt("c.\"d.e\".f"));
        Assert.Equal(3, config.GetInt("\"\""));
        Assert.Equal(4, config.GetInt("\"with space\""));
    }

    [Fact]
    public void Arrays_with_commas_new_lines_nesting_and_objects()
    {
        HoconConfig config = _files.Parse("""
            a: [1, 2, 3]
            b: [
              "x"
              y
              "z",
            ]
            c: [[1, 2], [], [3]]
            d: [{ name: one }, { name: two }]
            e: []
            """);
        Assert.Equal(["1", "2", "3"], config.GetStringList("a"));
        Assert.Equal(["x", "y", "z"], config.GetStringList("b"));
        Assert.Equal(3, config.GetList("c").Count);
        Assert.Empty(Assert.IsType<ConfigArray>(config.GetList("c")[1]).Items);
        Assert.Equal("two", Assert.IsType<ConfigScalar>(Assert.IsType<ConfigObject>(config.GetList("d")[1]).Find(["name"])).Text);
        Assert.Empty(config.GetList("e"));
    }

    [Fact]
    public void Repeated_objects_merge_and_later_scalars_win()
    {
        HoconConfig config = _files.Parse("""
            a { x: 1, y: 2 }
            a { y: 3, z: 4 }
            b: 1
            b: 2
            c { x: 1 }
            c: 5
            d: 5
            d { x: 1 }
            e: [1]
            e: [2, 3]
            """);
        Assert.Equal(1, config.GetInt("a.x"));
        Assert.Equal(3, config.GetInt("a.y"));
        Assert.Equal(4, config.GetInt("a.z"));
        Assert.Equal(2, config.GetInt("b"));
        Assert.Equal(5, config.GetInt("c"));
        Assert.Equal(1, config.GetInt("d.x"));
        Assert.Equal(["2", "3"], config.GetStringList("e"));
    }

    [Fact]
    public void Root_with_or_without_braces_is_the_same()
    {
        HoconConfig braced = _files.Parse("{\n  a: 1\n  b { c: 2 }\n}\n");
        HoconConfig bare = _files.Parse("a: 1\nb { c: 2 }\n");
        Assert.Equal(bare.GetInt("a"), braced.GetInt("a"));
        Assert.Equal(bare.GetInt("b.c"), braced.GetInt("b.c"));
    }

    [Fact]
    public void Json_is_hocon()
    {
        HoconConfig config = _files.Parse("""
            {
              "services": { "fabric": { "port": 45678 }, "executor": { "enabled": false } },
              "list": [1, "two", true, null]
            }
            """);
        Assert.Equal(45678, config.GetInt("services.fabric.port"));
        Assert.False(config.GetBoolean("services.executor.enabled"));
        Assert.Equal(4, config.GetList("list").Count);
    }

    [Fact]
    public void Empty_and_comment_only_files_are_empty_objects()
    {
        Assert.Equal(0, _files.Parse(string.Empty).Root.Count);
        Assert.Equal(0, _files.Parse("# nothing\n\n// here\n").Root.Count);
        Assert.Equal(0, _files.Parse("{}").Root.Count);
    }

    [Fact]
    public void Every_value_remembers_its_file_and_line()
    {
        string path = _files.Write("a: 1\n\nb {\n  c: \"x\"\n}\nd.e: [1,\n 2]\n");
        HoconConfig config = HoconConfig.Load(path, ConfigFiles.NoEnvironment);
        Assert.Equal(new ConfigOrigin(path, path, 1), config.Find("a")!.Origin);
        Assert.Equal(3, config.Find("b")!.Origin.Line);
        Assert.Equal(4, config.Find("b.c")!.Origin.Line);
        Assert.Equal(6, config.Find("d.e")!.Origin.Line);
        Assert.Equal(7, config.GetList("d.e")[1].Origin.Line);
        Assert.Equal($"{path}:4", config.Find("b.c")!.Origin.ToString());
    }

    [Fact]
    public void Windows_line_endings_count_lines_the_same()
    {
        HoconConfig config = _files.Parse("a: 1\r\nb: two words\r\n\r\nc: \"x\"\r\n");
        Assert.Equal("two words", config.GetString("b"));
        Assert.Equal(4, config.Find("c")!.Origin.Line);
    }

    [Fact]
    public void Concatenation_joins_strings_keeping_inner_whitespace()
    {
        HoconConfig config = _files.Parse("c: C\na: \"a\" b ${c}\nb: ${c}\"/db\"\nd: x\"y\"z\n");
        Assert.Equal("a b C", config.GetString("a"));
        Assert.Equal("C/db", config.GetString("b"));
        Assert.Equal("xyz", config.GetString("d"));
    }

    private static ConfigScalar Scalar(HoconConfig config, string path) => Assert.IsType<ConfigScalar>(config.Find(path));
}
