// The two native servers, for devicescript-esp32's app_init_services() (main/main.c).
#pragma once

void nor_flash_init(void);
void gaen_radio_init(void);
