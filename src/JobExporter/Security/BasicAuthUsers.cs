using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace JobExporter.Security;

/// <summary>
/// The <c>basic_auth_users</c> of a web configuration file: user names and bcrypt hashes. bcrypt is slow on purpose
/// (tens of milliseconds); so that a scrape every few seconds does not pay it each time, the last password that
/// verified for each user is remembered as an HMAC-SHA256 of user and password under a key drawn at start (never the
/// password itself, and nothing that can be checked offline without the key), compared in constant time. One entry a
/// configured user: the memory cannot grow. Failures are not remembered: each wrong guess pays the full bcrypt cost,
/// which <see cref="PasswordCheckGate"/> bounds. An unknown user costs one bcrypt check too, so that timing does not
/// tell which users exist.
/// </summary>
internal sealed class BasicAuthUsers
{
    // A valid hash of a random password: what an unknown user is checked against.
    private static readonly string Decoy = BCrypt.Net.BCrypt.HashPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), 10);

    private readonly IReadOnlyDictionary<string, string> _hashes;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    public BasicAuthUsers(IReadOnlyDictionary<string, string> hashes)
    {
        _hashes = hashes;
    }

    public IReadOnlyCollection<string> Names => _hashes.Keys.ToList();

    /// <summary>True when this user's password verified before: no bcrypt needed.</summary>
    public bool IsRemembered(string user, string password) =>
        _verified.TryGetValue(user, out var remembered) && CryptographicOperations.FixedTimeEquals(remembered, Mac(user, password));

    /// <summary>True when the user exists and the password matches its hash (remembered, else checked with bcrypt).</summary>
    public bool Verify(string user, string password)
    {
        if (IsRemembered(user, password)) return true;
        var known = _hashes.TryGetValue(user, out var hash);
        var ok = BCrypt.Net.BCrypt.Verify(password, hash ?? Decoy) && known;
        if (ok) _verified[user] = Mac(user, password);
        return ok;
    }

    /// <summary>True when <paramref name="hash"/> is a bcrypt hash that can be checked ($2a$, $2b$ or $2y$, cost 4 to 31).</summary>
    public static bool IsBcryptHash(string hash) =>
        System.Text.RegularExpressions.Regex.IsMatch(hash, @"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$");

    private byte[] Mac(string user, string password) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{user}\0{password}"));
}
