/*
 * Copyright (c) 2026 The ovn-vpn authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef VPN_FILE_H
#define VPN_FILE_H 1

/* Small files that the agent writes and reads: pluto's configuration,
 * keys and records, and the metrics that node_exporter reads; and the
 * removal of the directories that hold them.  Every
 * writer gives a file its mode from its creation on, and never follows a
 * symbolic link at the final component. */

#include <stdbool.h>
#include <sys/types.h>

bool vpn_file_write(const char *path, const char *content, mode_t);
bool vpn_file_write_record(const char *path, const char *content);
char *vpn_file_read(const char *path);
bool vpn_file_remove_tree(const char *path);

#endif /* vpn-file.h */
