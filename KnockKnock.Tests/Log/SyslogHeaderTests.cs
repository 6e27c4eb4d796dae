using System.Text;
using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

[TestFixture]
public sealed class SyslogHeaderTests
{
    private static string? Strip(string line) =>
        SyslogHeader.TryStrip(Encoding.ASCII.GetBytes(line), out var message) ? Encoding.ASCII.GetString(message) : null;

    [TestCase("Nov 22 13:58:01 host kernel: [ 1234.5678] knockknock: IN=x", "knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel: [12345678.000001] knockknock: IN=x", "knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel: knockknock: IN=x", "knockknock: IN=x")]
    [TestCase("Nov  2 03:08:01 host kernel: knockknock: IN=x", "knockknock: IN=x")]
    [TestCase("2024-11-22T13:58:01.123456+01:00 host kernel: knockknock: IN=x", "knockknock: IN=x")]
    [TestCase("2024-11-22T13:58:01.123456Z gw-1.example.org kernel: [ 1.5] eth0: up", "eth0: up")]
    [TestCase("Nov 22 13:58:01 host kernel: ", "")]
    public void Kernel_line_loses_its_header(string line, string message)
    {
        Assert.That(Strip(line), Is.EqualTo(message));
    }

    [TestCase("")]
    [TestCase("knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host sshd[12]: kernel: knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host myprog: knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel:knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01  kernel: knockknock: IN=x")]
    [TestCase("Nov 22 13:58 host kernel: knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel: [ 1234] knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel: [ 1234.5678]knockknock: IN=x")]
    [TestCase("Nov 22 13:58:01 host kernel: [ 1234.5678")]
    [TestCase("2024 host kernel: knockknock: IN=x")]
    [TestCase("2024-11-22 13:58:01 host kernel: knockknock: IN=x")]
    public void Other_lines_are_refused(string line)
    {
        Assert.That(Strip(line), Is.Null);
    }
}
