using System.Text;

namespace KnockKnock.Tests.Log;

/// <summary>Builds LOG lines exactly as the kernel prints them (nf_log_syslog.c: every field followed by one space).</summary>
internal static class KernelLines
{
    public const string Mac = "MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 ";

    /// <summary>The example line from the kernel with --log-tcp-sequence: SYN from 198.18.1.2 to port 7000.</summary>
    public const string Example =
        "knockknock: IN=veth0 OUT= MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 SRC=198.18.1.2 DST=198.18.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=40001 DPT=7000 SEQ=3735928559 ACK=305419896 WINDOW=4660 RES=0x00 SYN URGP=0 ";

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
        string tail = "") =>
        $"{prefix}IN=veth0 OUT= {mac}SRC={src} DST=198.18.1.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID={id} {ipFlags}PROTO=TCP SPT=40001 DPT={dpt} SEQ={seq} ACK={ack} WINDOW={window} RES=0x00 {flags}URGP=0 {tail}";

    public static byte[] Ascii(string line) => Encoding.ASCII.GetBytes(line);
}
