-- OpenMRS core tables, written from the createTable changesets of
-- openmrs-core api/src/main/resources/liquibase-schema-only.xml (see README.md):
-- liquibase types as MariaDB spells them (int, BOOLEAN, DATETIME, DATE,
-- varchar, char(38), text, double precision), columns in changeset order,
-- NOT NULL, defaults, autoIncrement and primary keys as declared.
CREATE TABLE location (
  location_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(255) NOT NULL DEFAULT '',
  description varchar(255),
  address1 varchar(255),
  address2 varchar(255),
  city_village varchar(255),
  state_province varchar(255),
  postal_code varchar(50),
  country varchar(50),
  latitude varchar(50),
  longitude varchar(50),
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  county_district varchar(50),
  address3 varchar(255),
  address4 varchar(255),
  address5 varchar(255),
  address6 varchar(255),
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255),
  parent_location int,
  uuid char(38)
);

CREATE TABLE encounter (
  encounter_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  encounter_type int NOT NULL,
  patient_id int NOT NULL DEFAULT 0,
  provider_id int NOT NULL DEFAULT 0,
  location_id int DEFAULT 0,
  form_id int,
  encounter_datetime DATETIME NOT NULL,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  changed_by int,
  date_changed DATETIME,
  visit_id int,
  uuid char(38)
);

CREATE TABLE encounter_type (
  encounter_type_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(50) NOT NULL DEFAULT '',
  description text NOT NULL,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255),
  uuid char(38),
  edit_privilege varchar(255),
  view_privilege varchar(255)
);

CREATE TABLE note (
  note_id int NOT NULL DEFAULT 0 PRIMARY KEY,
  note_type varchar(50),
  patient_id int,
  obs_id int,
  encounter_id int,
  text text NOT NULL,
  priority int,
  parent int,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  uuid char(38)
);

CREATE TABLE obs (
  obs_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id int NOT NULL,
  concept_id int NOT NULL DEFAULT 0,
  encounter_id int,
  order_id int,
  obs_datetime DATETIME NOT NULL,
  location_id int DEFAULT 0,
  obs_group_id int,
  accession_number varchar(255),
  value_group_id int,
  value_boolean BOOLEAN,
  value_coded int,
  value_coded_name_id int,
  value_drug int,
  value_datetime DATETIME,
  value_numeric double precision,
  value_modifier varchar(2),
  value_text text,
  value_complex varchar(255),
  comments varchar(255),
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  uuid char(38)
);

CREATE TABLE patient (
  patient_id int NOT NULL PRIMARY KEY,
  tribe int,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255)
);

CREATE TABLE patient_identifier (
  patient_identifier_id int NOT NULL AUTO_INCREMENT,
  patient_id int NOT NULL DEFAULT 0,
  identifier varchar(50) NOT NULL DEFAULT '',
  identifier_type int NOT NULL DEFAULT 0,
  preferred BOOLEAN NOT NULL DEFAULT false,
  location_id int DEFAULT 0,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  date_changed DATETIME,
  changed_by int,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  uuid char(38),
  CONSTRAINT patient_identifier_pk PRIMARY KEY (patient_identifier_id)
);

CREATE TABLE patient_identifier_type (
  patient_identifier_type_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(50) NOT NULL DEFAULT '',
  description text NOT NULL,
  format varchar(255),
  check_digit BOOLEAN NOT NULL DEFAULT false,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  required BOOLEAN NOT NULL DEFAULT false,
  format_description varchar(255),
  validator varchar(200),
  location_behavior varchar(50),
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255),
  uuid char(38)
);

CREATE TABLE person (
  person_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  gender varchar(50) DEFAULT '',
  birthdate DATE,
  birthdate_estimated BOOLEAN NOT NULL DEFAULT false,
  dead BOOLEAN NOT NULL DEFAULT false,
  death_date DATETIME,
  cause_of_death int,
  creator int,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  uuid char(38)
);

CREATE TABLE person_address (
  person_address_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id int,
  preferred BOOLEAN NOT NULL DEFAULT false,
  address1 varchar(255),
  address2 varchar(255),
  city_village varchar(255),
  state_province varchar(255),
  postal_code varchar(50),
  country varchar(50),
  latitude varchar(50),
  longitude varchar(50),
  start_date DATETIME,
  end_date DATETIME,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  county_district varchar(255),
  address3 varchar(255),
  address4 varchar(255),
  address5 varchar(255),
  address6 varchar(255),
  date_changed DATETIME,
  changed_by int,
  uuid char(38)
);

CREATE TABLE person_attribute (
  person_attribute_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id int NOT NULL DEFAULT 0,
  value varchar(50) NOT NULL DEFAULT '',
  person_attribute_type_id int NOT NULL DEFAULT 0,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  uuid char(38)
);

CREATE TABLE person_attribute_type (
  person_attribute_type_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(50) NOT NULL DEFAULT '',
  description text NOT NULL,
  format varchar(50),
  foreign_key int,
  searchable BOOLEAN NOT NULL DEFAULT false,
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255),
  edit_privilege varchar(255),
  sort_weight double precision,
  uuid char(38)
);

CREATE TABLE person_name (
  person_name_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  preferred BOOLEAN NOT NULL DEFAULT false,
  person_id int NOT NULL,
  prefix varchar(50),
  given_name varchar(50),
  middle_name varchar(50),
  family_name_prefix varchar(50),
  family_name varchar(50),
  family_name2 varchar(50),
  family_name_suffix varchar(50),
  degree varchar(50),
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  changed_by int,
  date_changed DATETIME,
  uuid char(38)
);

CREATE TABLE users (
  user_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  system_id varchar(50) NOT NULL DEFAULT '',
  username varchar(50),
  password varchar(128),
  salt varchar(128),
  secret_question varchar(255),
  secret_answer varchar(255),
  creator int NOT NULL DEFAULT 0,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  person_id int NOT NULL,
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255) DEFAULT NULL,
  uuid char(38)
);

CREATE TABLE visit_type (
  visit_type_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(255) NOT NULL,
  description varchar(1024),
  creator int NOT NULL,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired DATETIME,
  retire_reason varchar(255) DEFAULT NULL,
  uuid char(38) NOT NULL UNIQUE
);

CREATE TABLE visit (
  visit_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  patient_id int NOT NULL,
  visit_type_id int NOT NULL,
  date_started DATETIME NOT NULL,
  date_stopped datetime,
  indication_concept_id int,
  location_id int,
  creator int NOT NULL,
  date_created DATETIME NOT NULL,
  changed_by int,
  date_changed DATETIME,
  voided BOOLEAN NOT NULL DEFAULT false,
  voided_by int,
  date_voided DATETIME,
  void_reason varchar(255),
  uuid char(38) NOT NULL UNIQUE
);

CREATE TABLE provider (
  provider_id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id int,
  name varchar(255),
  identifier varchar(255) NOT NULL,
  creator int NOT NULL,
  date_created datetime NOT NULL,
  changed_by int,
  date_changed datetime,
  retired BOOLEAN NOT NULL DEFAULT false,
  retired_by int,
  date_retired datetime,
  retire_reason varchar(255) DEFAULT NULL,
  uuid char(38) NOT NULL UNIQUE
);
