using System.Text;
using JobExporter.Health;

namespace JobExporter.Tests.Health;

/// <summary>Where the health check connects, and which flags of the exporter's process it reads.</summary>
public class HealthCheckSettingsTests
{
    [TestCase(":9821", "127.0.0.1", 9821)]
    [TestCase("0.0.0.0:9000", "127.0.0.1", 9000)]
    [TestCase("[::]:9821", "::1", 9821)]
    [TestCase("10.1.2.3:9821", "10.1.2.3", 9821)]
    [TestCase("[fd00::5]:9821", "fd00::5", 9821)]
    [TestCase("localhost:9821", "localhost", 9821)]
    public void A_wildcard_listen_address_is_asked_on_loopback_and_a_given_host_as_given(string listen, string host, int port)
    {
        Assert.That(HealthProbe.Target(listen), Is.EqualTo((host, port)));
    }

    [Test]
    public void The_arguments_of_process_one_leave_out_the_program()
    {
        var cmdline = Encoding.UTF8.GetBytes("/app/JobExporter\0--web.listen-address\0:9000\0--web.config.file=/etc/web.yml\0");
        Assert.That(ContainerArguments.Parse(cmdline), Is.EqualTo(new[] { "--web.listen-address", ":9000", "--web.config.file=/etc/web.yml" }));
        Assert.That(ContainerArguments.Parse(Encoding.UTF8.GetBytes("/app/JobExporter\0")), Is.Empty);
    }

    [Test]
    public void Credentials_need_a_user_and_a_password_or_a_password_file()
    {
        Assert.That(HealthCredentials.From(new Dictionary<string, string?>()), Is.Null);
        Assert.That(HealthCredentials.From(new Dictionary<string, string?> { ["JOBEXPORTER_HEALTHCHECK_USER"] = "p" }), Is.Null);
        Assert.That(HealthCredentials.From(new Dictionary<string, string?> { ["JOBEXPORTER_HEALTHCHECK_USER"] = "p", ["JOBEXPORTER_HEALTHCHECK_PASSWORD"] = "s" }),
            Is.EqualTo(new HealthCredentials("p", "s")));
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from a file\n");
            Assert.That(HealthCredentials.From(new Dictionary<string, string?> { ["JOBEXPORTER_HEALTHCHECK_USER"] = "p", ["JOBEXPORTER_HEALTHCHECK_PASSWORD_FILE"] = file })!.Password,
                Is.EqualTo("from a file"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
