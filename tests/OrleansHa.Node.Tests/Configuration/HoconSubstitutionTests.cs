using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Tests.Configuration;

public sealed class HoconSubstitutionTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_default_built_from_a_substitution_follows_the_users_override()
    {
        ConfigObject reference = HoconParser.ParseDocument(
            "paths.local = \"/tmp/x\"\npaths.db = ${paths.local}\"/db\"\npaths.dist = ${paths.local}\"/dist\"\n",
            ConfigOrigin.Defaults);

        HoconConfig defaults = HoconConfig.Parse(string.Empty, fallback: reference);
        HoconConfig overridden = HoconConfig.Parse("paths { local: \"/data\" }", fallback: reference);

        Assert.Equal("/tmp/x/db", defaults.GetString("paths.db"));
        Assert.Equal("/data/db", overridden.GetString("paths.db"));
        Assert.Equal("/data/dist", overridden.GetString("paths.dist"));
    }

    [Fact]
    public void Substitutions_look_anywhere_in_the_tree_including_later_and_sibling_keys()
    {
        HoconConfig config = _files.Parse("a: ${b.c}\nb { c: ${b.d}, d: 7 }\ne { f: ${e.g}, g: ${a} }\n");
        Assert.Equal(7, config.GetInt("a"));
        Assert.Equal(7, config.GetInt("b.c"));
        Assert.Equal(7, config.GetInt("e.f"));
    }

    [Fact]
    public void A_substitution_keeps_the_type_of_what_it_refers_to()
    {
        HoconConfig config = _files.Parse("port: 1234\np: ${port}\nflag: true\nf: ${flag}\nlist: [1, 2]\nl: ${list}\n");
        Assert.Equal(ConfigScalarKind.Number, Assert.IsType<ConfigScalar>(config.Find("p")).Kind);
        Assert.True(config.GetBoolean("f"));
        Assert.Equal(2, config.GetList("l").Count);
    }

    [Fact]
    public void Objects_substitute_and_merge_with_objects_beside_them()
    {
        HoconConfig config = _files.Parse("base { x: 1, y: 2 }\nderived: ${base} { y: 3, z: 4 }\nlater: ${base}\nlater { z: 5 }\n");
        Assert.Equal(1, config.GetInt("derived.x"));
        Assert.Equal(3, config.GetInt("derived.y"));
        Assert.Equal(4, config.GetInt("derived.z"));
        Assert.Equal(2, config.GetInt("later.y"));
        Assert.Equal(5, config.GetInt("later.z"));
    }

    [Fact]
    public void Arrays_concatenate()
    {
        HoconConfig config = _files.Parse("a: [1, 2]\nb: ${a} [3]\n");
        Assert.Equal(["1", "2", "3"], config.GetStringList("b"));
    }

    [Fact]
    public void Environment_is_used_when_the_tree_has_no_such_key()
    {
        Dictionary<string, string> environment = ConfigFiles.Env(("DATA_HOME", "/srv/data"), ("x", "from env"));
        HoconConfig config = _files.Parse("home: ${DATA_HOME}\ndb: ${DATA_HOME}\"/db\"\nx: 1\ny: ${x}\n", environment);
        Assert.Equal("/srv/data", config.GetString("home"));
        Assert.Equal("/srv/data/db", config.GetString("db"));
        Assert.Equal(1, config.GetInt("y"));
    }

    [Fact]
    public void Optional_substitution_that_is_set_gives_its_value()
    {
        HoconConfig config = _files.Parse("zookeeper: \"localhost:2181\"\nzookeeper: ${?ZK}\nport: ${?PORT}\n",
            ConfigFiles.Env(("ZK", "zk1:2181,zk2:2181"), ("PORT", "9048")));
        Assert.Equal("zk1:2181,zk2:2181", config.GetString("zookeeper"));
        Assert.Equal(9048, config.GetInt("port"));
    }

    [Fact]
    public void Optional_substitution_that_is_unset_vanishes()
    {
        HoconConfig config = _files.Parse("""
            zookeeper: "localhost:2181"
            zookeeper: ${?ZK}
            port: ${?PORT}
            list: [1, ${?NOPE}, 3]
            path: ${?NOPE}"/x"
            both: ${?NOPE}${?NOPE_EITHER}
            obj { a: 1 }
            obj: ${?NOPE}
            """);
        Assert.Equal("localhost:2181", config.GetString("zookeeper"));
        Assert.False(config.HasPath("port"));
        Assert.Equal(["1", "3"], config.GetStringList("list"));
        Assert.Equal("/x", config.GetString("path"));
        Assert.False(config.HasPath("both"));
        Assert.Equal(1, config.GetInt("obj.a"));
    }

    [Fact]
    public void A_later_required_substitution_does_not_need_the_value_it_replaces_to_resolve()
    {
        HoconConfig config = _files.Parse("a: ${?MISSING}\"/x\"\na: ${b}\nb: 2\n");
        Assert.Equal(2, config.GetInt("a"));
    }

    [Fact]
    public void Undefined_required_substitution_is_an_error_with_line_and_key()
    {
        string path = _files.Write("a: 1\nservices {\n  web.port: ${ports.web}\n}\n");
        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => HoconConfig.Load(path, ConfigFiles.NoEnvironment));
        Assert.Equal(path, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal("services.web.port", ex.Key);
        Assert.StartsWith($"{path}:3: key 'services.web.port': substitution ${{ports.web}} is undefined", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_is_an_error_naming_its_steps()
    {
        ConfigurationException ex = _files.ParseError("a: ${b}\nb: ${c}\nc: ${a}\n");
        Assert.Contains("substitution cycle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a = ${b} -> b = ${c} -> c = ${a} -> a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
        Assert.Equal("c", ex.Key);
    }

    [Theory]
    [InlineData("a: ${a}\n", 1)]
    [InlineData("x: 1\na { b: ${a} }\n", 2)]
    [InlineData("a: \"p\"\na: ${a}\":/x\"\n", 2)]
    public void Self_references_are_cycles(string text, int line)
    {
        ConfigurationException ex = _files.ParseError(text);
        Assert.Contains("substitution cycle", ex.Message, StringComparison.Ordinal);
        Assert.Equal(line, ex.Line);
    }

    [Fact]
    public void An_object_cannot_join_a_string()
    {
        ConfigurationException ex = _files.ParseError("o { a: 1 }\n\ns: ${o} tail\n");
        Assert.Equal(3, ex.Line);
        Assert.Equal("s", ex.Key);
        Assert.Contains("cannot join an object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_very_long_chain_of_substitutions_is_an_error_not_a_crash()
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 20_000; i++)
        {
            text.Append($"k{i}: ${{k{i + 1}}}\n");
        }

        text.Append("k20000: 1\n");
        ConfigurationException ex = _files.ParseError(text.ToString());
        Assert.Contains("levels deep", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_substitution_target_is_resolved_once()
    {
        // Each level refers to the one before twice: without memoising, resolving would take 2^40 steps.
        var text = new System.Text.StringBuilder("l0: x\n");
        for (int i = 1; i <= 40; i++)
        {
            text.Append($"l{i} {{ a: ${{l{i - 1}}}, b: ${{l{i - 1}}} }}\n");
        }

        HoconConfig config = _files.Parse(text.ToString());
        Assert.Equal("x", config.GetString(string.Join('.', Enumerable.Repeat("a", 39).Prepend("l40")) + ".b"));
    }
}
