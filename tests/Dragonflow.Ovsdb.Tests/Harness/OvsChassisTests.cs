using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests.Harness;

public class OvsChassisTests
{
    [Fact]
    public void ProcessRunnerReportsExitCodeOutputAndTimeout()
    {
        var ok = ProcessRunner.Run("sh", new[] { "-c", "echo out; echo err >&2; exit 3" });
        Assert.Equal(3, ok.ExitCode);
        Assert.Equal("out", ok.StdOut.Trim());
        Assert.Equal("err", ok.StdErr.Trim());
        Assert.False(ok.Succeeded);

        var slow = ProcessRunner.Run("sleep", new[] { "10" }, TimeSpan.FromMilliseconds(300));
        Assert.True(slow.TimedOut);
        Assert.Throws<ProcessFailedException>(() => slow.EnsureSuccess());
    }

    [Fact]
    public void ChassisRunsItsOwnDaemonsAndLeavesNothingBehind()
    {
        string ns, runDir;
        int ovsdbPid, vswitchdPid;
        using (var chassis = OvsChassis.Start())
        {
            ns = chassis.Name;
            runDir = chassis.RunDirectory;
            ovsdbPid = chassis.Ovsdb.Pid!.Value;
            vswitchdPid = chassis.VswitchdPid!.Value;
            Assert.True(ns.Length <= 15);

            chassis.AddBridge("br-int", datapathId: "0000000000000001");
            Assert.Contains("br-int", chassis.Vsctl("list-br").Split('\n'));
            // vswitchd picked the bridge up: ovs-ofctl reaches it through OVS_RUNDIR.
            Assert.Contains("dpid:0000000000000001", chassis.Ofctl("show", "br-int"));

            chassis.RestartVswitchd();
            Assert.NotEqual(vswitchdPid, chassis.VswitchdPid);
            Assert.Contains("dpid:0000000000000001", chassis.Ofctl("show", "br-int"));
            vswitchdPid = chassis.VswitchdPid!.Value;
        }

        // (an exited daemon may linger as a zombie until init reaps it; IsRunning says "gone")
        Assert.False(new DaemonProcess("ovsdb-server", ovsdbPid).IsRunning);
        Assert.False(new DaemonProcess("ovs-vswitchd", vswitchdPid).IsRunning);
        Assert.DoesNotContain(ns, ProcessRunner.RunChecked("ip", "netns", "list").StdOut);
        Assert.False(Directory.Exists(runDir));
    }
}
