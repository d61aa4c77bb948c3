// flash_port.h on ESP-IDF 5.0: the data partition "gaenlog" (subtype 0x40, flagged encrypted in
// boards/partitions.csv) through esp_partition_*. With flash encryption enabled the partition is
// encrypted: esp_partition_read decrypts and esp_partition_write encrypts (16-byte aligned: the
// core passes whole 32-byte rows), while esp_partition_read_raw / esp_partition_write_raw see and
// write the chip's bytes (row states, destroy). Without flash encryption (a development board) the
// same calls are plain. An erase (45 ms typically, up to 400 ms, with the flash cache stalled) runs
// in its own FreeRTOS task, never on the Jacdac/VM loop. Errors are returned and logged, never
// ESP_ERROR_CHECKed: the token must not reboot on a flash fault.
#include "port/flash_port.h"
#include "esp32_port.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "spi_flash_mmap.h" // SPI_FLASH_SEC_SIZE (ESP-IDF 5.0)
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include <stdatomic.h>

#define TAG "gaenlog"
#define GAENLOG_SUBTYPE 0x40
#define ERASE_TASK_STACK 3072

static const esp_partition_t *partition;
static TaskHandle_t erase_task;
static void (*wake_loop)(void);
static volatile uint32_t erase_sector;
static atomic_bool erase_ended;
static volatile esp_err_t erase_result;

static void erase_task_main(void *arg) {
    (void)arg;
    for (;;) {
        ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
        esp_err_t err =
            esp_partition_erase_range(partition, (size_t)erase_sector * SPI_FLASH_SEC_SIZE, SPI_FLASH_SEC_SIZE);
        if (err != ESP_OK)
            ESP_LOGE(TAG, "erase of sector %u failed: %s", (unsigned)erase_sector, esp_err_to_name(err));
        erase_result = err;
        atomic_store(&erase_ended, true);
        if (wake_loop)
            wake_loop();
    }
}

int flash_port_esp32_init(void (*wake)(void)) {
    wake_loop = wake;
    partition = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, GAENLOG_SUBTYPE, "gaenlog");
    if (!partition) {
        ESP_LOGE(TAG, "no data partition \"gaenlog\" (subtype 0x40): see boards/partitions.csv");
        return -1;
    }
    if (!partition->encrypted)
        // A development board: the contact log and keys are readable by anyone with a serial cable.
        ESP_LOGW(TAG, "partition \"gaenlog\" is not encrypted (flash encryption off): for development only");
    if (xTaskCreate(erase_task_main, "gaenlog_erase", ERASE_TASK_STACK, NULL, tskIDLE_PRIORITY + 1, &erase_task) !=
        pdPASS) {
        ESP_LOGE(TAG, "cannot start the erase task");
        partition = NULL;
        return -1;
    }
    return 0;
}

uint32_t flash_port_size(void) {
    return partition ? (uint32_t)partition->size : 0;
}

uint32_t flash_port_sector_size(void) {
    return SPI_FLASH_SEC_SIZE;
}

bool flash_port_encrypted(void) {
    return partition && partition->encrypted;
}

static flash_port_err_t logged(esp_err_t err, const char *what, uint32_t offset, uint32_t len) {
    if (err != ESP_OK)
        ESP_LOGE(TAG, "%s of %u bytes at %u failed: %s", what, (unsigned)len, (unsigned)offset, esp_err_to_name(err));
    return err;
}

flash_port_err_t flash_port_read(uint32_t offset, uint8_t *dst, uint32_t len) {
    return logged(esp_partition_read(partition, offset, dst, len), "read", offset, len);
}

flash_port_err_t flash_port_write(uint32_t offset, const uint8_t *src, uint32_t len) {
    return logged(esp_partition_write(partition, offset, src, len), "write", offset, len);
}

flash_port_err_t flash_port_read_raw(uint32_t offset, uint8_t *dst, uint32_t len) {
    return logged(esp_partition_read_raw(partition, offset, dst, len), "raw read", offset, len);
}

flash_port_err_t flash_port_write_raw(uint32_t offset, const uint8_t *src, uint32_t len) {
    return logged(esp_partition_write_raw(partition, offset, src, len), "raw write", offset, len);
}

flash_port_err_t flash_port_erase_start(uint32_t sector) {
    if (!erase_task)
        return ESP_ERR_INVALID_STATE;
    atomic_store(&erase_ended, false);
    erase_sector = sector;
    xTaskNotifyGive(erase_task);
    return ESP_OK;
}

bool flash_port_erase_poll(flash_port_err_t *err) {
    if (!atomic_exchange(&erase_ended, false))
        return false;
    *err = erase_result;
    return true;
}
