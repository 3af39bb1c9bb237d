"""What runs in the background: the sync scheduler, leader election, the intake loop."""
