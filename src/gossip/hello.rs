//! The hello message format: `ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`.
