using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace JobExporter.Security;

/// <summary>
/// The <c>basic_auth_users</c> of a web configuration file: user names and bcrypt hashes. bcrypt is slow on purpose
/// (tens of milliseconds); so that a scrape every few seconds does not pay it each time, a pair that verified is
/// remembered as a SHA-256 digest of user, password and hash (never the password itself). Failures are not
/// remembered: each wrong guess pays the full bcrypt cost. An unknown user costs one bcrypt check too, so that
/// timing does not tell which users exist.
/// </summary>
internal sealed class BasicAuthUsers
{
    /// <summary>Most remembered successes; the memory is emptied when full. 1,024.</summary>
    public const int CacheCapacity = 1024;

    // A valid hash of a random password: what an unknown user is checked against.
    private static readonly string Decoy = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), 10);

    private readonly IReadOnlyDictionary<string, string> _hashes;
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);

    public BasicAuthUsers(IReadOnlyDictionary<string, string> hashes)
    {
        _hashes = hashes;
    }

    public IReadOnlyCollection<string> Names => _hashes.Keys.ToList();

    /// <summary>True when the user exists and the password matches its hash.</summary>
    public bool Verify(string user, string password)
    {
        var known = _hashes.TryGetValue(user, out var hash);
        hash ??= Decoy;
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}\0{password}\0{hash}")));
        if (_verified.ContainsKey(key)) return true;
        var ok = BCrypt.Net.BCrypt.Verify(password, hash) && known;
        if (!ok) return false;
        if (_verified.Count >= CacheCapacity) _verified.Clear();
        _verified[key] = true;
        return true;
    }

    /// <summary>True when <paramref name="hash"/> is a bcrypt hash that can be checked ($2a$, $2b$ or $2y$, cost 4 to 31).</summary>
    public static bool IsBcryptHash(string hash) =>
        System.Text.RegularExpressions.Regex.IsMatch(hash, @"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$");
}
