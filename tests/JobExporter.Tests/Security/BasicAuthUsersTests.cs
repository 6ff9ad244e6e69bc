using JobExporter.Security;

namespace JobExporter.Tests.Security;

public class BasicAuthUsersTests
{
    private static readonly BasicAuthUsers Users = new(new Dictionary<string, string>
    {
        ["alice"] = BCrypt.Net.BCrypt.HashPassword("right", 4),
        ["bob"] = BCrypt.Net.BCrypt.EnhancedHashPassword("other", 4),
    });

    [Test]
    public void The_right_password_of_a_known_user_passes() => Assert.That(Users.Verify("alice", "right"), Is.True);

    [Test]
    public void A_wrong_password_fails_every_time()
    {
        Assert.That(Users.Verify("alice", "wrong"), Is.False);
        Assert.That(Users.Verify("alice", "wrong"), Is.False);
        Assert.That(Users.Verify("alice", "right"), Is.True);
    }

    [Test]
    public void An_unknown_user_fails_even_with_a_password_of_another_user() => Assert.That(Users.Verify("mallory", "right"), Is.False);

    [Test]
    public void A_user_name_is_case_sensitive() => Assert.That(Users.Verify("Alice", "right"), Is.False);

    [Test]
    public void An_empty_password_fails() => Assert.That(Users.Verify("alice", ""), Is.False);

    [TestCase("$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze", true)]
    [TestCase("$2a$04$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze", true)]
    [TestCase("$2y$03$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze", false)]
    [TestCase("$2y$10$short", false)]
    [TestCase("plain", false)]
    public void Only_bcrypt_hashes_are_accepted(string hash, bool ok) => Assert.That(BasicAuthUsers.IsBcryptHash(hash), Is.EqualTo(ok));

    [Test]
    public void A_hash_with_the_2y_prefix_of_htpasswd_verifies()
    {
        // htpasswd -B writes $2y$; it is the same algorithm as $2a$/$2b$.
        var hash = "$2y$" + BCrypt.Net.BCrypt.HashPassword("test", 4)[4..];
        var users = new BasicAuthUsers(new Dictionary<string, string> { ["alice"] = hash });
        Assert.That(users.Verify("alice", "test"), Is.True);
    }

    [Test]
    public void Only_a_password_that_verified_is_remembered_and_only_for_its_user()
    {
        var users = new BasicAuthUsers(new Dictionary<string, string> { ["alice"] = BCrypt.Net.BCrypt.HashPassword("right", 4) });
        Assert.That(users.IsRemembered("alice", "right"), Is.False, "nothing before a check");
        Assert.That(users.Verify("alice", "wrong"), Is.False);
        Assert.That(users.IsRemembered("alice", "wrong"), Is.False, "failures are not remembered");
        Assert.That(users.Verify("alice", "right"), Is.True);
        Assert.That(users.IsRemembered("alice", "right"), Is.True);
        Assert.That(users.IsRemembered("alice", "Right"), Is.False);
        Assert.That(users.IsRemembered("mallory", "right"), Is.False);
    }
}
