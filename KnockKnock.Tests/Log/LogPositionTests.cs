using KnockKnock.Daemon.Log;

namespace KnockKnock.Tests.Log;

/// <summary>
/// The saved positions of the three sources: each reads back exactly what it wrote and nothing else
/// (the daemon user writes them, so a tampered file must not parse into something else).
/// </summary>
[TestFixture]
public sealed class LogPositionTests
{
    private const string Boot = "ef697255089a49519d90a0343d988545";
    private const string Cursor = "s=743085f08d264590a43e5a8c86b112b7;i=bd;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28";

    [Test]
    public void Kmsg_positions_round_trip()
    {
        var position = new KmsgPosition(Boot, 18446744073709551615);
        Assert.That(position.Format(), Is.EqualTo($"kmsg {Boot} 18446744073709551615"));
        Assert.That(KmsgPosition.TryParse(position.Format(), out var read), Is.True);
        Assert.That(read, Is.EqualTo(position));
    }

    [TestCase("")]
    [TestCase("kmsg")]
    [TestCase("kmsg " + Boot)]
    [TestCase("kmsg " + Boot + " 1 2")]
    [TestCase("kmsg " + Boot + " 01")]
    [TestCase("kmsg " + Boot + " +1")]
    [TestCase("kmsg " + Boot + " -1")]
    [TestCase("kmsg " + Boot + " 18446744073709551616")]
    [TestCase("kmsg EF697255089A49519D90A0343D988545 1")]
    [TestCase("kmsg ef697255-089a-4951-9d90-a0343d988545 1")]
    [TestCase("kmsg  " + Boot + " 1")]
    [TestCase("journal " + Boot + " 1")]
    public void Kmsg_positions_refuse_anything_else(string text) => Assert.That(KmsgPosition.TryParse(text, out _), Is.False);

    [Test]
    public void Journal_positions_round_trip()
    {
        Assert.That(new JournalPosition(Cursor).Format(), Is.EqualTo("journal " + Cursor));
        Assert.That(JournalPosition.TryParse("journal " + Cursor, out var read), Is.True);
        Assert.That(read.Cursor, Is.EqualTo(Cursor));
    }

    [TestCase("journal")]
    [TestCase("journal garbage")]
    [TestCase("journal " + Cursor + " x")]
    [TestCase("journal " + Cursor + ";y=1")]
    [TestCase("journal i=bd;s=743085f08d264590a43e5a8c86b112b7;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28")]
    [TestCase("journal s=743085f08d264590a43e5a8c86b112b7;i=;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28")]
    [TestCase("journal s=743085f08d264590a43e5a8c86b112b7;i=BD;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28")]
    [TestCase("journal s=743085f08d264590a43e5a8c86b112b;i=bd;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28")]
    [TestCase("journal s=743085f08d264590a43e5a8c86b112b7;i=11111111111111111;b=ef697255089a49519d90a0343d988545;m=2b425959;t=6616f1db546dc;x=d1a37b5876720e28")]
    [TestCase("kmsg " + Cursor)]
    public void Journal_positions_refuse_anything_else(string text) => Assert.That(JournalPosition.TryParse(text, out _), Is.False);

    [Test]
    public void File_positions_round_trip_and_hash_the_first_line_only()
    {
        var position = new FilePosition(FilePosition.HashPath("/var/log/kern.log"), 1234567, 98765, FilePosition.HashHead("first line\nsecond"u8));
        Assert.That(position.Format(), Does.Match("^file [0-9a-f]{16} 1234567 98765 [0-9a-f]{16}$"));
        Assert.That(FilePosition.TryParse(position.Format(), out var read), Is.True);
        Assert.That(read, Is.EqualTo(position));
        Assert.That(FilePosition.HashHead("first line\nother"u8), Is.EqualTo(position.Head));
        Assert.That(FilePosition.HashHead("first lime\nsecond"u8), Is.Not.EqualTo(position.Head));
        Assert.That(FilePosition.HashPath("/var/log/syslog"), Is.Not.EqualTo(position.PathHash));
    }

    [TestCase("file 0123456789abcdef 1 2")]
    [TestCase("file 0123456789abcdef 1 2 0123456789abcdef 3")]
    [TestCase("file 0123456789abcde 1 2 0123456789abcdef")]
    [TestCase("file 0123456789abcdef -1 2 0123456789abcdef")]
    [TestCase("file 0123456789abcdef 1 9223372036854775808 0123456789abcdef")]
    [TestCase("file 0123456789ABCDEF 1 2 0123456789abcdef")]
    [TestCase("kmsg 0123456789abcdef 1 2 0123456789abcdef")]
    public void File_positions_refuse_anything_else(string text) => Assert.That(FilePosition.TryParse(text, out _), Is.False);
}
