# Stubs of the Vivado Tcl commands vivado/create_project.tcl calls, for checking it with tclsh
# (Vivado is not available to qnn's tests). Each stub accepts exactly the options Xilinx UG835
# (Vivado Design Suite Tcl Command Reference Guide) lists for the command, with their arity,
# and the documented number of positional arguments; anything else is an error. Every call is
# appended to ::calls as one line: the command and its arguments. Unknown commands fail.

set ::calls {}
set ::project ""
namespace eval ::ipx {}

# stub NAME FLAGS MIN MAX: FLAGS is a list of {-option ARITY}; MIN and MAX bound the positional
# arguments (MAX -1: any number).
proc stub {name flags min max body} {
  set ::stubspec($name) [list $flags $min $max]
  proc ::$name {args} "
    set pos \[stub_parse [list $name] \$args\]
    lappend ::calls \[concat [list $name] \$args\]
    $body
  "
}

proc stub_parse {name argl} {
  lassign $::stubspec($name) flags min max
  array set arity {}
  foreach f $flags { set arity([lindex $f 0]) [lindex $f 1] }
  set pos {}
  for {set i 0} {$i < [llength $argl]} {incr i} {
    set a [lindex $argl $i]
    if {[string index $a 0] eq "-" && ![string is double -strict $a]} {
      if {![info exists arity($a)]} { error "$name: unknown option $a (UG835 lists [join [array names arity] {, }])" }
      incr i $arity($a)
      if {$i >= [llength $argl]} { error "$name: option $a needs a value" }
    } else {
      lappend pos $a
    }
  }
  if {[llength $pos] < $min || ($max >= 0 && [llength $pos] > $max)} {
    error "$name: [llength $pos] positional arguments ($pos), want $min..$max"
  }
  if {$name ne "create_project" && $::project eq ""} { error "$name: no project (create_project first)" }
  return $pos
}

proc unknown {args} { error "not a stubbed Vivado command: $args" }

set q {{-quiet 0} {-verbose 0}}
stub create_project [concat $q {{-part 1} {-force 0} {-in_memory 0} {-ip 0} {-rtl_kernel 0}}] 0 2 {
  set ::project [lindex $pos 0]
  if {[llength $pos] == 2} { file mkdir [lindex $pos 1] }
  return $::project
}
stub current_project $q 0 1 { return $::project }
stub set_property [concat $q {{-dict 1}}] 3 -1 { return "" }
stub add_files [concat $q {{-fileset 1} {-of_objects 1} {-norecurse 0} {-copy_to 1} {-force 0} {-scan_for_includes 0}}] 1 -1 {
  foreach f [join $pos] {
    if {![file exists $f]} { error "add_files: $f does not exist" }
  }
  return $pos
}
stub get_files [concat $q {{-regexp 0} {-nocase 0} {-of_objects 1} {-compile_order 1} {-used_in 1} {-references 0} {-all 0} {-filter 1}}] 0 -1 {
  return [join $pos]
}
stub get_filesets [concat $q {{-regexp 0} {-nocase 0} {-filter 1} {-of_objects 1}}] 0 -1 { return [join $pos] }
stub update_compile_order [concat $q {{-fileset 1}}] 0 0 { return "" }
stub ipx::package_project [concat $q {{-root_dir 1} {-vendor 1} {-library 1} {-name 1} {-version 1} {-taxonomy 1}
  {-import_files 0} {-set_current 1} {-force 0} {-force_update_compile_order 0} {-archive_source_project 0}
  {-generated_files 0} {-module 1}}] 0 0 { return "core" }
stub ipx::current_core $q 0 1 { return "core" }
stub ipx::infer_bus_interfaces $q 2 2 { return "" }
stub ipx::infer_bus_interface [concat $q {{-slave_interface 0}}] 3 3 { return "" }
stub ipx::associate_bus_interfaces [concat $q {{-busif 1} {-clock 1} {-reset 1} {-remove 0}}] 1 1 { return "" }
stub ipx::get_bus_interfaces [concat $q {{-of_objects 1} {-regexp 0} {-nocase 0} {-filter 1}}] 0 -1 { return "busif" }
stub ipx::get_bus_parameters [concat $q {{-of_objects 1} {-regexp 0} {-nocase 0} {-filter 1}}] 0 -1 { return "param" }
stub ipx::create_xgui_files $q 1 1 { return "" }
stub ipx::update_checksums $q 1 1 { return "" }
stub ipx::check_integrity [concat $q {{-kernel 0} {-xrt 0}}] 1 1 { return "" }
stub ipx::save_core $q 0 1 { return "" }
