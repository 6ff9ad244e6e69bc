using JobExporter.Broker;
using JobExporter.Configuration;

namespace JobExporter.Tests.Configuration;

/// <summary>--broker.url as a cluster's list of nodes, and --broker.queue-type.</summary>
public class BrokerClusterFlagTests
{
    private static ExporterOptions Read(params string[] args) =>
        OptionsReader.Read(FlagValues.Read(args, new Dictionary<string, string?>()), "box1");

    private static string Error(params string[] args) => Assert.Throws<FlagException>(() => Read(args))!.Message;

    [Test]
    public void One_url_is_one_node_and_the_queue_is_classic_by_default()
    {
        var o = Read("--broker.url", "amqp://app:pw@rabbit:5672/prod");
        Assert.That(o.BrokerUrls, Is.EqualTo(new[] { new Uri("amqp://app:pw@rabbit:5672/prod") }));
        Assert.That(o.QueueType, Is.EqualTo(QueueType.Classic));
    }

    [Test]
    public void A_comma_separated_list_names_every_node_in_order_and_the_first_gives_the_credentials()
    {
        var o = Read("--broker.url", "amqp://app:pw@rabbit-0:5672/prod, amqp://app:pw@rabbit-1:5672/prod,amqp://app:pw@rabbit-2/prod");
        Assert.That(o.BrokerUrls.Select(u => $"{u.Host}:{u.Port}"), Is.EqualTo(new[] { "rabbit-0:5672", "rabbit-1:5672", "rabbit-2:-1" }));
        Assert.That(o.BrokerUrl, Is.EqualTo(o.BrokerUrls[0]));
        var endpoints = BrokerConnections.Endpoints(o);
        Assert.That(endpoints.Select(e => e.ToString()), Is.EqualTo(new[] { "amqp://rabbit-0:5672", "amqp://rabbit-1:5672", "amqp://rabbit-2:5672" }),
            "a URL without a port gets AMQP's default");
    }

    [Test]
    public void Under_tls_each_node_is_checked_against_its_own_host_name()
    {
        var o = Read("--broker.url", "amqps://app:pw@rabbit-0.example/,amqps://app:pw@rabbit-1.example/");
        var endpoints = BrokerConnections.Endpoints(o);
        Assert.That(endpoints.Select(e => (e.Ssl.Enabled, e.Ssl.ServerName, e.Port)),
            Is.EqualTo(new[] { (true, "rabbit-0.example", 5671), (true, "rabbit-1.example", 5671) }));
    }

    [TestCase("quorum", true)]
    [TestCase("QUORUM", true)]
    [TestCase("classic", false)]
    public void Queue_type_is_classic_or_quorum(string text, bool quorum) =>
        Assert.That(Read("--broker.queue-type", text).QueueType, Is.EqualTo(quorum ? QueueType.Quorum : QueueType.Classic));

    [Test]
    public void Another_queue_type_is_a_clear_error() =>
        Assert.That(Error("--broker.queue-type", "stream"), Is.EqualTo("--broker.queue-type 'stream' must be one of classic, quorum"));

    [TestCase("amqp://app:s3cret-pw@a/,http://app:s3cret-pw@b/",
        "--broker.url (item 2 of 2) must be an amqp:// or amqps:// URL such as amqp://user:password@host:5672/vhost; several are separated by commas")]
    [TestCase("amqp://app:s3cret-pw@a/,",
        "--broker.url (item 2 of 2) must be an amqp:// or amqps:// URL such as amqp://user:password@host:5672/vhost; several are separated by commas")]
    [TestCase("amqp://app:s3cret-pw@a/,amqps://app:s3cret-pw@b/",
        "--broker.url lists the nodes of one cluster, but URL 2 of 2 is amqps:// but URL 1 is amqp://; use one scheme")]
    [TestCase("amqp://app:s3cret-pw@a/,amqp://app:other-s3cret-pw@b/",
        "--broker.url lists the nodes of one cluster, but URL 2 of 2 has other credentials than URL 1; every node is reached with the same user and password")]
    [TestCase("amqp://app:s3cret-pw@a/prod,amqp://app:s3cret-pw@b/test",
        "--broker.url lists the nodes of one cluster, but URL 2 of 2 names another virtual host than URL 1")]
    [TestCase("amqp://app:s3cret-pw@a:5672/,amqp://app:s3cret-pw@a:5672/",
        "--broker.url lists the nodes of one cluster, but a:5672 is listed twice")]
    public void A_bad_list_says_which_item_and_why_without_the_password(string list, string expected)
    {
        var message = Error("--broker.url", list);
        Assert.That(message, Is.EqualTo(expected));
        Assert.That(message, Does.Not.Contain("s3cret"));
    }

    [Test]
    public void A_quorum_queue_gets_its_type_and_the_length_limit_and_expiry_it_accepts()
    {
        var quorum = QueueArguments.For(Read("--broker.queue-type", "quorum", "--broker.queue-max-length", "5000", "--broker.queue-expires", "2h"));
        Assert.That(quorum, Is.EquivalentTo(new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-max-length"] = 5000L,
            ["x-expires"] = 7_200_000L,
        }));
    }

    [Test]
    public void A_classic_queue_is_declared_as_before_without_a_type_so_existing_queues_stay_equivalent()
    {
        var classic = QueueArguments.For(Read());
        Assert.That(classic, Is.EquivalentTo(new Dictionary<string, object?>
        {
            ["x-max-length"] = 1_000_000L,
            ["x-expires"] = 86_400_000L,
        }));
    }
}
