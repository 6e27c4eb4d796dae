using System.Globalization;
using System.Text;

namespace KnockKnock.Tests.Log;

/// <summary>Builds LOG lines exactly as the kernel prints them (nf_log_syslog.c: every field followed by one space).</summary>
internal static class KernelLines
{
    public const string Mac = "MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 ";

    /// <summary>The example line from the kernel with --log-tcp-sequence: a v1 knock SYN from 198.18.1.2 to port 7000.</summary>
    public const string Example =
        "knockknock: IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 SRC=198.18.1.2 DST=198.18.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=40001 DPT=7000 SEQ=3735928559 ACK=305419896 WINDOW=4660 RES=0x00 SYN URGP=0 ";

    /// <summary>
    /// A Linux connect() SYN over IPv4 as --log-tcp-sequence --log-tcp-options prints it (measured
    /// on kernel 6.18): ID 4660, SEQ 287454020, TSval 0x55667788 = 1432778632.
    /// </summary>
    public const string ExampleV2 =
        "knockknock: IN=v2s OUT= MAC=b6:3e:90:35:c8:31:12:0b:c6:e4:f2:4c:08:00 SRC=192.0.2.1 DST=192.0.2.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=4660 DF PROTO=TCP SPT=41000 DPT=9101 SEQ=287454020 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A55667788000000000103030A) ";

    /// <summary>The same over IPv6 (measured): addresses fully expanded, FLOWLBL=703710 (0xabcde), no ID.</summary>
    public const string ExampleV6 =
        "knockknock: IN=v2s OUT= MAC=b6:3e:90:35:c8:31:12:0b:c6:e4:f2:4c:86:dd SRC=2001:0db8:0005:0000:0000:0000:0000:0001 DST=2001:0db8:0005:0000:0000:0000:0000:0002 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=703710 PROTO=TCP SPT=41000 DPT=9101 SEQ=287454020 ACK=0 WINDOW=64800 RES=0x00 SYN URGP=0 OPT (020405A00402080A55667788000000000103030A) ";

    public static string Tcp(
        string src = "198.18.1.2",
        string dpt = "7000",
        string id = "54321",
        string seq = "3735928559",
        string ack = "305419896",
        string window = "4660",
        string flags = "SYN ",
        string prefix = "knockknock: ",
        string mac = Mac,
        string ipFlags = "DF ",
        string tail = "",
        string spt = "40001") =>
        $"{prefix}IN=veth0 OUT= {mac}SRC={src} DST=198.18.1.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={id} {ipFlags}PROTO=TCP SPT={spt} DPT={dpt} SEQ={seq} ACK={ack} WINDOW={window} RES=0x00 {flags}URGP=0 {tail}";

    /// <summary>An IPv6 SYN line: <paramref name="src"/> as %pI6 prints it, <c>TC= HOPLIMIT= FLOWLBL=</c> instead of the IPv4 fields.</summary>
    public static string Tcp6(
        string src = "2001:0db8:0005:0000:0000:0000:0000:0001",
        string dpt = "7000",
        string flow = "703710",
        string seq = "3735928559",
        string ack = "0",
        string window = "64800",
        string flags = "SYN ",
        string extensions = "",
        string tail = "",
        string spt = "40001") =>
        $"knockknock: IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:86:dd SRC={src} DST=2001:0db8:0005:0000:0000:0000:0000:0002 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL={flow} {extensions}PROTO=TCP SPT={spt} DPT={dpt} SEQ={seq} ACK={ack} WINDOW={window} RES=0x00 {flags}URGP=0 {tail}";

    /// <summary>The TCP options of a Linux SYN (MSS 1460, SACK_PERM, TS, NOP, WS 10) with TSval <paramref name="timestamp"/>, as <c>OPT (...)</c> prints them.</summary>
    public static string Options(uint timestamp)
        => $"OPT (020405B40402080A{timestamp.ToString("X8", CultureInfo.InvariantCulture)}000000000103030A) ";

    public static byte[] Ascii(string line) => Encoding.ASCII.GetBytes(line);
}
