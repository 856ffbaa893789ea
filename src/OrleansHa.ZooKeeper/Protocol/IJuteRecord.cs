namespace OrleansHa.ZooKeeper.Protocol;

/// <summary>A record that can be written in jute encoding.</summary>
internal interface IJuteRecord
{
    void Write(JuteWriter writer);
}

/// <summary>A record that can be read back from jute encoding.</summary>
internal interface IJuteReadable<TSelf>
    where TSelf : IJuteReadable<TSelf>
{
    static abstract TSelf Read(ref JuteReader reader);
}
