using JobExporter.Configuration;

namespace JobExporter.Tests.Configuration;

public class FlagTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static ExporterOptions Read(string[] args, Dictionary<string, string?>? env = null) =>
        OptionsReader.Read(FlagValues.Read(args, env ?? NoEnvironment), "box1");

    [Test]
    public void Defaults_are_the_documented_ones()
    {
        var o = Read([]);
        Assert.Multiple(() =>
        {
            Assert.That(o.BrokerUrl, Is.EqualTo(new Uri("amqp://guest:guest@localhost:5672/")));
            Assert.That(o.Exchange, Is.EqualTo("jobs.events"));
            Assert.That(o.Queue, Is.EqualTo("jobexporter.box1"));
            Assert.That(o.BindingKeys, Is.EqualTo(new[] { "#" }));
            Assert.That(o.ListenAddress, Is.EqualTo(":9821"));
            Assert.That(o.TelemetryPath, Is.EqualTo("/metrics"));
            Assert.That(o.ProcessMetrics, Is.True);
            Assert.That(o.WorkerTimeout, Is.Null);
            Assert.That(o.WorkerPurgeAfter, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(o.MetricsPrefix, Is.EqualTo("jobs"));
            Assert.That(o.MaxLabelValues, Is.EqualTo(1000));
            Assert.That(o.RabbitMqPollInterval, Is.EqualTo(TimeSpan.FromSeconds(15)));
            Assert.That(o.LogFormat, Is.EqualTo("text"));
            Assert.That(o.JobHostnameLabel, Is.True);
            Assert.That(o.Stream, Is.EqualTo("jobs.events"));
        });
    }

    [Test]
    public void The_job_hostname_is_dropped_by_the_negated_switch_or_its_environment_variable()
    {
        Assert.That(Read(["--no-metrics.job-hostname"]).JobHostnameLabel, Is.False);
        Assert.That(Read([], new() { ["JOBEXPORTER_METRICS_JOB_HOSTNAME"] = "false" }).JobHostnameLabel, Is.False);
        Assert.That(Read(["--metrics.job-hostname"], new() { ["JOBEXPORTER_METRICS_JOB_HOSTNAME"] = "false" }).JobHostnameLabel, Is.True);
    }

    [Test]
    public void Environment_variables_set_flags_and_the_command_line_wins()
    {
        var env = new Dictionary<string, string?>
        {
            ["JOBEXPORTER_BROKER_EXCHANGE"] = "from.env",
            ["JOBEXPORTER_WORKER_PURGE_AFTER"] = "1h",
            ["JOBEXPORTER_BROKER_BINDING_KEY"] = "hangfire.#, masstransit.#",
        };
        var o = Read(["--broker.exchange", "from.flag"], env);
        Assert.That(o.Exchange, Is.EqualTo("from.flag"));
        Assert.That(o.WorkerPurgeAfter, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(o.BindingKeys, Is.EqualTo(new[] { "hangfire.#", "masstransit.#" }));
    }

    [Test]
    public void Repeatable_flags_collect_every_value_and_both_flag_forms_work()
    {
        var o = Read(["--broker.binding-key=*.*.web-1", "--broker.binding-key", "*.*.web-2", "--rabbitmq.queues", "orders,masstransit/billing",
            "--metrics.static-label", "cluster=eu", "--metrics.static-label=team=payments"]);
        Assert.That(o.BindingKeys, Is.EqualTo(new[] { "*.*.web-1", "*.*.web-2" }));
        Assert.That(o.RabbitMqQueues, Is.EqualTo(new[] { new QueueName("rabbitmq", "orders"), new QueueName("masstransit", "billing") }));
        Assert.That(o.StaticLabels, Is.EquivalentTo(new Dictionary<string, string> { ["cluster"] = "eu", ["team"] = "payments" }));
    }

    [TestCase(new[] { "--worker.timeout", "soon" }, "--worker.timeout 'soon' is not a duration such as 30s, 10m or 1h")]
    [TestCase(new[] { "--nope" }, "unknown flag --nope (see --help)")]
    [TestCase(new[] { "--broker.exchange" }, "flag --broker.exchange needs a value")]
    [TestCase(new[] { "positional" }, "unexpected argument 'positional': flags look like --name value or --name=value (see --help)")]
    [TestCase(new[] { "--metrics.max-values", "-1" }, "--metrics.max-values '-1' must be a whole number from 1 to 1000000")]
    [TestCase(new[] { "--metrics.runtime-buckets", "1,0.5" }, "--metrics.runtime-buckets must be increasing numbers separated by commas, such as 0.1,1,10")]
    [TestCase(new[] { "--web.listen-address", "9821" }, "--web.listen-address '9821' must be host:port or :port")]
    [TestCase(new[] { "--log.format", "xml" }, "--log.format 'xml' must be one of text, json")]
    [TestCase(new[] { "--metrics.static-label", "no-equals" }, "--metrics.static-label 'no-equals' must be name=value with a valid label name")]
    [TestCase(new[] { "--metrics.static-label", "stream=billing" },
        "--metrics.static-label 'stream=billing': the exporter sets the stream label itself, from --broker.exchange and --broker.binding-key; name the label otherwise")]
    public void A_bad_flag_gives_one_clear_line(string[] args, string message)
    {
        var error = Assert.Throws<FlagException>(() => Read(args));
        Assert.That(error!.Message, Is.EqualTo(message));
    }

    [Test]
    public void A_bad_broker_url_is_reported_without_echoing_its_password()
    {
        var error = Assert.Throws<FlagException>(() => Read(["--broker.url", "http://admin:hunter2@rabbit/"]));
        Assert.That(error!.Message, Does.Not.Contain("hunter2"));
    }

    [Test]
    public void Help_lists_every_flag_with_its_environment_variable_and_default()
    {
        var help = HelpText.Render();
        foreach (var flag in Flags.All)
        {
            Assert.That(help, Does.Contain($"--{flag.Name}"));
            if (flag.Name is "help" or "version") continue;
            Assert.That(help, Does.Contain($"env: {flag.EnvironmentVariable}"));
            if (flag.Default is not null) Assert.That(help, Does.Contain($"(default: {flag.Default})"));
        }
    }

    [Test]
    public void Help_tells_of_the_healthcheck_mode_the_image_runs_and_its_credentials()
    {
        var help = HelpText.Render();
        Assert.That(help, Does.Contain("jobexporter healthcheck [--ready] [flags]"));
        Assert.That(help, Does.Contain("JOBEXPORTER_HEALTHCHECK_USER").And.Contain("JOBEXPORTER_HEALTHCHECK_PASSWORD").And.Contain("JOBEXPORTER_HEALTHCHECK_PASSWORD_FILE"));
    }

    [TestCase("30s", 30)]
    [TestCase("10m", 600)]
    [TestCase("1h30m", 5400)]
    [TestCase("1d", 86400)]
    [TestCase("500ms", 0.5)]
    [TestCase("0", 0)]
    public void Durations_read_as_Prometheus_writes_them(string text, double seconds)
    {
        Assert.That(DurationParser.TryParse(text, out var d), Is.True);
        Assert.That(d.TotalSeconds, Is.EqualTo(seconds));
    }

    [TestCase("")]
    [TestCase("10")]
    [TestCase("5 m")]
    [TestCase("1.5h")]
    public void Malformed_durations_are_refused(string text) => Assert.That(DurationParser.TryParse(text, out _), Is.False);
}
