DROP TABLE offline_packets;
