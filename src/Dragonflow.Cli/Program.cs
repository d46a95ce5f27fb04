using System.CommandLine;

var root = new RootCommand("Dragonflow: a distributed SDN control plane for OpenStack Neutron");
return root.Parse(args).Invoke();
