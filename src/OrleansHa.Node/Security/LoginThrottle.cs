using OrleansHa.Node.Configuration;

namespace OrleansHa.Node.Security;

/// <summary>
/// Slows password guessing: after <see cref="NodeConfiguration.LoginFreeAttempts"/> failed logins for one user name
/// (whether or not the user exists, so the answer says nothing about that) or from one address, every further login
/// for it is refused without a look at the password until a delay has passed, which starts at
/// <see cref="NodeConfiguration.LoginInitialDelay"/> and doubles with each failure up to
/// <see cref="NodeConfiguration.LoginMaxDelay"/>. A good login clears its user's count, not its address's: an address
/// that guesses many users must not be let off by logging in to its own account.
/// </summary>
/// <remarks>
/// <para>Per coordinator, on purpose. Counting in ZooKeeper would let anyone who can reach a login page make the
/// cluster write to the quorum its failover depends on, once per guess, and would put a network round trip before
/// every login, also during a failover. Kept per coordinator, a guesser spread over all of them gets as many tries as
/// there are coordinators (a handful) where one would get one: a constant factor on a delay that grows exponentially,
/// so the guesses possible in a given time still grow only with its logarithm.</para>
/// <para>Bounded: at most <see cref="MaxTracked"/> names and addresses are remembered; past that the quietest are
/// forgotten first, so a flood of made-up names cannot exhaust memory.</para>
/// </remarks>
internal sealed class LoginThrottle(NodeConfiguration config, TimeProvider time)
{
    internal const int MaxTracked = 10_000;

    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>How long the login must still wait, or null when it may be tried now.</summary>
    public TimeSpan? RetryAfter(string user, string? address)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_gate)
        {
            TimeSpan wait = TimeSpan.Zero;
            foreach (string key in Keys(user, address))
            {
                if (_failures.TryGetValue(key, out Failures? failures) && failures.BlockedUntil - now > wait)
                {
                    wait = failures.BlockedUntil - now;
                }
            }

            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    public void RecordFailure(string user, string? address)
    {
        DateTimeOffset now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (string key in Keys(user, address))
            {
                if (!_failures.TryGetValue(key, out Failures? failures) || failures.IsForgotten(now, config.LoginMaxDelay))
                {
                    failures = new Failures();
                    _failures[key] = failures;
                }

                failures.Count++;
                failures.Last = now;
                int over = failures.Count - config.LoginFreeAttempts;
                failures.BlockedUntil = over > 0 ? now + Delay(over) : now;
            }

            if (_failures.Count > MaxTracked)
            {
                Prune(now);
            }
        }
    }

    public void RecordSuccess(string user)
    {
        lock (_gate)
        {
            _failures.Remove(UserKey(user));
        }
    }

    /// <summary>The wait after the <paramref name="over"/>th failure beyond the free ones: initial × 2^(over-1), at most the maximum.</summary>
    private TimeSpan Delay(int over)
    {
        TimeSpan max = config.LoginMaxDelay > config.LoginInitialDelay ? config.LoginMaxDelay : config.LoginInitialDelay;
        double ticks = config.LoginInitialDelay.Ticks * Math.Pow(2, Math.Min(over - 1, 62));
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (string key in _failures.Where(f => f.Value.IsForgotten(now, config.LoginMaxDelay)).Select(f => f.Key).ToList())
        {
            _failures.Remove(key);
        }

        foreach (string key in _failures.OrderBy(f => f.Value.Last).Take(_failures.Count - MaxTracked).Select(f => f.Key).ToList())
        {
            _failures.Remove(key);
        }
    }

    private static string UserKey(string user) => "user:" + user;

    private static IEnumerable<string> Keys(string user, string? address) =>
        address is null ? [UserKey(user)] : [UserKey(user), "address:" + address];

    private sealed class Failures
    {
        public int Count { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset BlockedUntil { get; set; }

        /// <summary>Quiet for the maximum delay after its last wait ended: it starts from nothing again.</summary>
        public bool IsForgotten(DateTimeOffset now, TimeSpan maxDelay) => now - BlockedUntil >= maxDelay;
    }
}
